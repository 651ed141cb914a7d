package io.expmgr.db;

import java.sql.SQLException;

/**
 * What kind of fault an engine's error is, from its codes: a right that is missing, a full disk, a
 * column the database lacks. The command line turns each into its own exit code and a line that
 * names the cause, instead of an internal error with the driver's text.
 */
public final class Failures {
  private Failures() {}

  /** The kinds told apart. */
  public enum Kind {
    /** A grant, a file or folder permission, a read-only database or file system. */
    PERMISSION,
    /** No space left: the disk, the file system, a table that cannot grow. */
    DISK_FULL,
    /** A table or column the database does not have. */
    MISSING_SCHEMA,
    OTHER
  }

  public static Kind classify(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        Kind k = ofSql(s);
        if (k != Kind.OTHER) {
          return k;
        }
      }
      if (t instanceof java.nio.file.AccessDeniedException
          || t instanceof java.nio.file.ReadOnlyFileSystemException) {
        return Kind.PERMISSION;
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
        return Kind.DISK_FULL;
      }
      if (m.contains("Read-only file system")) {
        return Kind.PERMISSION;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Kind.OTHER;
  }

  /** What the engines make of a SQL failure: the first that knows it. */
  private static Kind ofSql(SQLException s) {
    for (Engine engine : Engine.values()) {
      Kind k = engine.dialect().failureKind(s);
      if (k != Kind.OTHER) {
        return k;
      }
    }
    return Kind.OTHER;
  }

  /**
   * True for a fault that waiting can cure ({@link Dialect#isTransient}: a deadlock, a lock wait
   * that timed out, a serialization failure, a SQLite database another connection held past the
   * busy timeout). The work was rolled back; doing it again is safe.
   */
  public static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        for (Engine engine : Engine.values()) {
          if (engine.dialect().isTransient(s)) {
            return true;
          }
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** What to add to the message of a fault of this kind, for the person who must act. */
  public static String hint(Kind kind) {
    return switch (kind) {
      case PERMISSION ->
          " (a right is missing: the database or its folder is read-only for this user, or the"
              + " account lacks the grant named; nothing more was changed)";
      case DISK_FULL -> " (no space left: free some and run the command again)";
      case MISSING_SCHEMA ->
          " (the database lacks a table or column this command needs: see schema status)";
      case OTHER -> "";
    };
  }
}
