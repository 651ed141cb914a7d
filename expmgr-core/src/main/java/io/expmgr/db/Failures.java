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

  private static Kind ofSql(SQLException s) {
    switch (s.getErrorCode()) {
      case 1044, 1142, 1143, 1227, 1370, 1410, 1290, 1036:
        // database, table, column, privilege, routine and grant denials; --read-only servers;
        // read-only tables
        return Kind.PERMISSION;
      case 1021, 1114, 3:
        return Kind.DISK_FULL;
      case 1054, 1146:
        return Kind.MISSING_SCHEMA;
      default:
        break;
    }
    String m = String.valueOf(s.getMessage());
    if (m.contains("SQLITE_READONLY") || m.contains("SQLITE_PERM") || m.contains("SQLITE_AUTH")) {
      return Kind.PERMISSION;
    }
    if (m.contains("SQLITE_FULL")) {
      return Kind.DISK_FULL;
    }
    if (m.contains("no such column") || m.contains("no such table")) {
      return Kind.MISSING_SCHEMA;
    }
    return Kind.OTHER;
  }

  /**
   * True for a fault that waiting can cure: a deadlock or a lock wait that timed out on MySQL, a
   * database another SQLite connection held past the busy timeout or changed under a read. The work
   * was rolled back; doing it again is safe.
   */
  public static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        int code = s.getErrorCode();
        if (code == 1213 || code == 1205 || "40001".equals(s.getSQLState())) {
          return true;
        }
        String m = String.valueOf(s.getMessage());
        if (m.contains("SQLITE_BUSY") || m.contains("SQLITE_LOCKED")) {
          return true;
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
