package io.expmgr.db.sqlite;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.FileCopy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Consistent copies of a SQLite file while others write it: the backup API, or the file itself. */
final class SqliteFileCopy implements FileCopy {
  private static final Logger log = LoggerFactory.getLogger(SqliteFileCopy.class);

  static final SqliteFileCopy INSTANCE = new SqliteFileCopy();

  private SqliteFileCopy() {}

  /**
   * {@link #backupSqliteTo(Path)}, counting the rows of {@code schema}'s tables beside the copy on
   * a second connection, which takes the count off the copy's critical path.
   *
   * <p>The count must see the state the copy sees. The counting connection begins its read between
   * two readings of the copying connection's {@code PRAGMA data_version}, the second taken inside
   * the copy's read transaction: when they are equal, no other connection committed between the two
   * reads beginning, so both read the same state. When they differ this returns null, and the
   * caller counts the copy instead.
   *
   * @return rows per table of the copy, or null when they could not be counted beside it
   */
  @Override
  public java.util.Map<String, Long> backup(
      Database db, Path destination, java.util.List<String> schema) {
    try (Connection c = db.connect();
        Connection counting = schema == null ? null : db.connect()) {
      java.util.concurrent.CompletableFuture<java.util.Map<String, Long>> counts = null;
      if (counting != null) {
        long before = dataVersion(c);
        counting.setAutoCommit(false);
        beginRead(counting);
        c.setAutoCommit(false);
        beginRead(c);
        if (dataVersion(c) == before) {
          counts = countBeside(db, counting, schema);
        }
      }
      org.sqlite.core.DB native_ = c.unwrap(org.sqlite.SQLiteConnection.class).getDatabase();
      int rc = native_.backup("main", destination.toString(), null, 100, 100, -1);
      if (rc != 0 && rc != 101) {
        throw new SQLException("backup failed with SQLite code " + rc);
      }
      java.util.Map<String, Long> result = null;
      if (counts != null) {
        try {
          result = counts.join();
        } catch (java.util.concurrent.CompletionException e) {
          throw e.getCause() instanceof RuntimeException re ? re : e;
        }
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
      return result;
    } catch (SQLException e) {
      throw db.failure(e);
    }
  }

  /**
   * Copies a SQLite database by copying its file, when SQLite guarantees that the file holds the
   * whole of one consistent state and cannot change until the copy is done; the rows of {@code
   * schema}'s tables are counted beside it, in the same state.
   *
   * <p>A connection's read transaction pins the file:
   *
   * <ul>
   *   <li>Rollback-journal modes: the reader's shared lock keeps every writer from writing the
   *       file.
   *   <li>WAL mode: when every frame of the log has been copied back into the file (a passive
   *       checkpoint is run first, which never waits), the reader reads the file alone and holds
   *       the log's read slot 0, which no checkpoint can take while it is held: nothing is copied
   *       into the file until the read ends. Writers go on appending to the log meanwhile.
   * </ul>
   *
   * {@code PRAGMA data_version} read before the checkpoint and inside the read transaction proves
   * that no other connection committed in between, so the log was still wholly copied back when the
   * read began. When anything of this does not hold (a checkpoint held up by an older reader, a
   * commit in between), nothing is copied and this returns empty: the caller then uses {@link
   * #backup}.
   *
   * @return rows per table, or empty when the file could not be copied this way
   */
  @Override
  public java.util.Optional<java.util.Map<String, Long>> copyFrozen(
      Database db, java.util.List<String> schema, FrozenFileCopier copier)
      throws java.io.IOException {
    try (Connection c = db.connect();
        Connection counting = db.connect()) {
      long before = dataVersion(c);
      String mode;
      try (var st = c.createStatement();
          var rs = st.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        mode = rs.getString(1);
      }
      if ("wal".equalsIgnoreCase(mode)) {
        try (var st = c.createStatement();
            var rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
          // busy, frames in the log, frames copied back into the file
          if (!rs.next() || rs.getInt(1) != 0 || rs.getLong(2) != rs.getLong(3)) {
            log.debug("the write-ahead log is not wholly checkpointed: using the backup API");
            return java.util.Optional.empty();
          }
        } catch (SQLException e) {
          // A read-only connection cannot checkpoint (SQLITE_IOERR_WRITE, SQLITE_READONLY) while
          // another connection holds frames in the log: the backup API reads the log as it is.
          log.debug(
              "no checkpoint from this connection ({}): using the backup API", e.getMessage());
          return java.util.Optional.empty();
        }
      } else if ("memory".equalsIgnoreCase(mode) || "off".equalsIgnoreCase(mode)) {
        return java.util.Optional.empty();
      }
      // Counting reads every page of the tables' smallest indexes: mapped, they are read in
      // place instead of copied out of the page cache (six times less time).
      Dialect.execute(counting, "PRAGMA mmap_size=" + SqliteConnections.MAPPED_BYTES);
      counting.setAutoCommit(false);
      beginRead(counting);
      c.setAutoCommit(false);
      beginRead(c);
      try {
        if (dataVersion(c) != before) {
          log.debug("a commit landed while the copy began: using the backup API");
          return java.util.Optional.empty();
        }
        long length;
        try (var st = c.createStatement();
            var rs =
                st.executeQuery(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")) {
          rs.next();
          length = rs.getLong(1);
        }
        Path file = db.config().sqlitePath();
        if (java.nio.file.Files.size(file) < length) {
          return java.util.Optional.empty();
        }
        var counts = countBeside(db, counting, schema);
        copier.copy(file, length);
        try {
          return java.util.Optional.of(counts.join());
        } catch (java.util.concurrent.CompletionException e) {
          throw e.getCause() instanceof RuntimeException re ? re : e;
        }
      } finally {
        c.rollback();
        counting.rollback();
      }
    } catch (SQLException e) {
      throw db.failure(e);
    }
  }

  /**
   * Counts the rows of these tables on another thread, in {@code c}'s read, then checks the
   * integrity of that same state ({@link Database#requireIntact(Connection)}), beside the copy.
   */
  private java.util.concurrent.CompletableFuture<java.util.Map<String, Long>> countBeside(
      Database db, Connection c, java.util.List<String> schema) {
    return io.expmgr.internal.DaemonThreads.supply(
        () -> {
          try {
            var counts = db.countRows(c, schema);
            db.requireIntact(c);
            return counts;
          } catch (SQLException e) {
            throw db.failure(e);
          }
        });
  }

  private static long dataVersion(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("PRAGMA data_version")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Starts the read transaction of a connection in manual commit: its state is fixed from here. */
  private static void beginRead(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
      rs.next();
    }
  }
}
