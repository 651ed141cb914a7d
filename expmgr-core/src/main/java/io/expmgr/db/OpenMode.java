package io.expmgr.db;

/** What opening a database may do when it is not there yet. */
public enum OpenMode {
  /** The database must exist: a missing SQLite file or MySQL database is an error. */
  EXISTING,
  /** A missing SQLite file or MySQL database is created (commands that build a whole database). */
  CREATE
}
