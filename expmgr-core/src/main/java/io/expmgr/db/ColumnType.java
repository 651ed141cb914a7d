package io.expmgr.db;

/**
 * The logical column types of the schema model. Each dialect maps them to a physical type that
 * loses nothing: {@link #DOUBLE} is never single precision, {@link #TIMESTAMP} keeps microseconds.
 */
public enum ColumnType {
  /** 64-bit integer ids. */
  ID,
  /** 32-bit integer (epoch indexes). */
  INT,
  /** Short text that may be indexed (names, types, statuses). */
  SHORT_TEXT,
  /** Unbounded text (descriptions, locations, JSON documents). */
  TEXT,
  /** IEEE-754 double. */
  DOUBLE,
  /** Date and time with microsecond precision, no time zone. */
  TIMESTAMP
}
