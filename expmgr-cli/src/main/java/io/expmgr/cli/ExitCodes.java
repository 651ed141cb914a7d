package io.expmgr.cli;

import io.expmgr.ConnectionException;
import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.SchemaException;

/** Every exit code of the command line, in one place. Documented in the README. */
public final class ExitCodes {
  /** Success (for {@code validate}: PASS or WARN). */
  public static final int OK = 0;

  /** Validation found failures (FAIL), or a migration run had items it could not transform. */
  public static final int VALIDATION_FAILED = 1;

  /** The command line is wrong: unknown command or option, missing or malformed value. */
  public static final int USAGE = 2;

  /** The database cannot be opened or reached: missing file, not SQLite, host, port, login. */
  public static final int CONNECTION = 3;

  /** Something named does not exist: experiment id, snapshot id, input file. */
  public static final int NOT_FOUND = 4;

  /** An input is malformed or out of range (rules file, export document, option value). */
  public static final int INVALID_INPUT = 5;

  /** The database's schema does not fit the command (missing tables or columns, version). */
  public static final int SCHEMA = 6;

  /** A snapshot could not be written, read or trusted. */
  public static final int SNAPSHOT = 7;

  /** A file could not be read or written (permissions, full disk, missing folder). */
  public static final int FILE_SYSTEM = 8;

  /** A right is missing: a folder this user may not write, a grant the database account lacks. */
  public static final int PERMISSION = 9;

  /** The user answered no to a confirmation; nothing was changed. */
  public static final int CANCELLED = 10;

  /** Refused because it repeats or collides with earlier work (an export already imported). */
  public static final int CONFLICT = 11;

  /** The database fails the engine's integrity check: nothing was snapshotted or written. */
  public static final int DAMAGED = 12;

  /** An unexpected failure (a SQL error, a bug): see the log file. */
  public static final int INTERNAL = 70;

  /** Interrupted by Ctrl-C (128 + SIGINT). */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}

  /** The exit code of a failure. */
  public static int of(Throwable e) {
    int known = ofKnown(e);
    if (known == INTERNAL || known == FILE_SYSTEM) {
      switch (io.expmgr.db.Failures.classify(e)) {
        case PERMISSION:
          return PERMISSION;
        case DISK_FULL:
          return FILE_SYSTEM;
        case MISSING_SCHEMA:
          return SCHEMA;
        default:
          break;
      }
    }
    return known;
  }

  /** The exit code from the failure's type alone, before its cause is looked at. */
  static int ofKnown(Throwable e) {
    if (e instanceof ConnectionException) {
      return CONNECTION;
    }
    if (e instanceof NotFoundException) {
      return NOT_FOUND;
    }
    if (e instanceof InvalidInputException) {
      return INVALID_INPUT;
    }
    if (e instanceof SchemaException) {
      return SCHEMA;
    }
    if (e instanceof io.expmgr.SnapshotException) {
      return SNAPSHOT;
    }
    if (e instanceof java.io.UncheckedIOException || e instanceof java.io.IOException) {
      return FILE_SYSTEM;
    }
    if (e instanceof io.expmgr.DamagedDatabaseException) {
      return DAMAGED;
    }
    if (e instanceof io.expmgr.PermissionException) {
      return PERMISSION;
    }
    if (e instanceof io.expmgr.ConflictException) {
      return CONFLICT;
    }
    return INTERNAL;
  }
}
