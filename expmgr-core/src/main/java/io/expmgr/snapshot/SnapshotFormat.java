package io.expmgr.snapshot;

import io.expmgr.InvalidInputException;
import io.expmgr.db.Engine;
import java.util.Locale;

/** How a snapshot holds its data; either restores into any engine. */
public enum SnapshotFormat {
  /**
   * One SQLite file, {@code data.db}, with every table: compact, queryable with any SQLite tool,
   * checked with {@code PRAGMA integrity_check}. The default for SQLite databases, copied with the
   * online backup API.
   */
  SQLITE,
  /**
   * One tab-separated text file per table, in the format MySQL's {@code LOAD DATA} reads: written
   * at the speed the server sends rows and loaded back without parsing. The default for MySQL
   * databases.
   */
  TSV;

  /** The name in manifests and on the command line. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format used when none is asked for: each engine's fastest. */
  public static SnapshotFormat defaultFor(Engine engine) {
    return engine.dialect().isFileDatabase() ? SQLITE : TSV;
  }

  /** Parses {@code auto} (null), {@code sqlite} or {@code tsv}. */
  public static SnapshotFormat parse(String text) {
    if (text == null || text.equalsIgnoreCase("auto")) {
      return null;
    }
    for (SnapshotFormat f : values()) {
      if (f.label().equalsIgnoreCase(text)) {
        return f;
      }
    }
    throw new InvalidInputException("--format must be auto, sqlite or tsv, got '" + text + "'");
  }
}
