package io.expmgr.db;

import io.expmgr.ConnectionException;
import io.expmgr.DaemonThreads;
import io.expmgr.DataAccessException;
import io.expmgr.ProgressListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the whole content of a database with that of a SQLite file (a snapshot's data), in one
 * atomic switch: readers see the old data or the new, never a mix, and a crash at any moment leaves
 * one of the two.
 *
 * <ul>
 *   <li>SQLite: the file is copied next to the target under a dot-name, synced, and renamed over
 *       it. The old database's write-ahead log is folded in and switched off first, so no old WAL
 *       can ever be applied to the new file.
 *   <li>MySQL: the rows are loaded into shadow tables, which one {@code RENAME TABLE} swaps with
 *       the live ones; the old tables are dropped afterwards. Leftovers of an interrupted restore
 *       are dropped at the start of the next.
 * </ul>
 */
public final class Restorer {
  private static final Logger log = LoggerFactory.getLogger(Restorer.class);
  static final String NEW = "__expmgr_new";
  static final String OLD = "__expmgr_old";

  private Restorer() {}

  /**
   * Restores {@code sqliteData} into the database of {@code target}, creating it if missing.
   *
   * @param expectedSha256 the data file's recorded checksum: a file that differs is refused before
   *     anything is switched
   */
  public static void restore(
      Path sqliteData,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      Schema schema,
      ProgressListener progress) {
    if (target.engine() == Engine.SQLITE) {
      intoSqlite(sqliteData, verifier, expectedRows, schema, target.sqlitePath());
    } else {
      verifier.accept(sqliteData);
      intoMysql(sqliteData, expectedRows, target, schema, progress);
    }
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : e;
    }
  }

  private static void requireRows(
      java.util.Map<String, Long> expected, java.util.Map<String, Long> actual) {
    if (expected != null && !expected.equals(actual)) {
      throw new io.expmgr.SnapshotException(
          "row counts differ from the snapshot's manifest ("
              + actual
              + " vs "
              + expected
              + "); nothing was restored");
    }
  }

  private static java.util.Map<String, Long> countRows(Path file, Schema schema) {
    return Database.openReadOnly(ConnectionConfig.sqlite(file)).countRows(schema);
  }

  private static void intoSqlite(
      Path data,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      Schema schema,
      Path target) {
    if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
      throw new ConnectionException(
          "cannot restore into " + target + ": folder " + target.getParent() + " does not exist");
    }
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + ".restoring-" + ProcessHandle.current().pid());
    Thread cleanup = new Thread(() -> deleteQuietly(tmp), "restore-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      // The checksum and the row counts of the snapshot are taken while the kernel copies it:
      // a damaged snapshot is refused before the switch, at the cost of the copy alone.
      var checksum = java.util.concurrent.CompletableFuture.runAsync(() -> verifier.accept(data));
      var rows = java.util.concurrent.CompletableFuture.supplyAsync(() -> countRows(data, schema));
      Files.copy(data, tmp, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      join(checksum);
      requireRows(expectedRows, join(rows));
      if (Files.exists(target)) {
        Database old = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
        try (Connection c = old.connect()) {
          Dialect.execute(c, "PRAGMA wal_checkpoint(TRUNCATE)");
          try (var st = c.createStatement();
              var rs = st.executeQuery("PRAGMA journal_mode=DELETE")) {
            if (!rs.next() || !"delete".equalsIgnoreCase(rs.getString(1))) {
              throw new DataAccessException(
                  target
                      + " is in use by another process (its write-ahead log cannot be closed); stop it and retry");
            }
          }
        } catch (SQLException e) {
          throw new DataAccessException(
              target + " is in use by another process (" + e.getMessage() + "); stop it and retry",
              e);
        }
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
        Files.deleteIfExists(target.resolveSibling(target.getFileName() + suffix));
      }
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException ignored) {
        // not every file system syncs folders; the file itself is synced
      }
      log.info("restored {} into {}", data, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore into " + target + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
    }
  }

  private static void intoMysql(
      Path data,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      Schema schema,
      ProgressListener progress) {
    Database db = Database.open(target, OpenMode.CREATE);
    Database source = Database.openReadOnly(ConnectionConfig.sqlite(data));
    Dialect d = db.dialect();
    Schema shadow = schema.withSuffix(NEW);
    String tag = Long.toString(System.currentTimeMillis(), 36);
    try (Connection to = db.connect()) {
      d.tuneForBulkLoad(to);
      dropLeftovers(db, to, schema);
      // Shadow tables get their keys and indexes after the load: building them once from the
      // loaded rows is cheaper than maintaining them row by row.
      for (Table t : shadow.tables()) {
        Dialect.execute(to, Ddl.createTableOnly(t, d, tag, false));
      }
      boolean localInfile = localInfileAllowed(to);
      if (!localInfile) {
        log.warn(
            "{} does not allow LOAD DATA LOCAL INFILE (local_infile is OFF): restoring with"
                + " INSERT statements, which is slower",
            db.identity());
      }
      java.util.Map<String, Long> rows = loadInParallel(source, schema, db, shadow, localInfile);
      requireRows(expectedRows, rows);
      for (Table t : shadow.tables()) {
        Dialect.execute(to, Ddl.createIndexes(t, d).toArray(String[]::new));
        Dialect.execute(to, Ddl.addForeignKeys(t, d, tag).toArray(String[]::new));
      }
      progress.onProgress(1, 1);
      var existing = db.existingTables(to);
      List<String> renames = new ArrayList<>();
      List<String> drops = new ArrayList<>();
      for (Table t : schema.tables()) {
        if (existing.contains(t.name().toUpperCase(Locale.ROOT))) {
          renames.add(d.quote(t.name()) + " TO " + d.quote(t.name() + OLD));
          drops.add(d.quote(t.name() + OLD));
        }
        renames.add(d.quote(t.name() + NEW) + " TO " + d.quote(t.name()));
      }
      // One statement: MySQL swaps every table atomically.
      Dialect.execute(to, "RENAME TABLE " + String.join(", ", renames));
      if (!drops.isEmpty()) {
        Dialect.execute(to, "DROP TABLE " + String.join(", ", drops));
      }
      Dialect.execute(to, "SET SESSION foreign_key_checks=1", "SET SESSION unique_checks=1");
      log.info("restored {} into {}", data, db.identity());
    } catch (SQLException e) {
      dropShadowsQuietly(db, schema);
      throw new DataAccessException(
          "cannot restore into " + db.identity() + ": " + db.describe(e), e);
    } catch (RuntimeException e) {
      dropShadowsQuietly(db, schema);
      throw e;
    }
  }

  /** After a failed load: the live tables were never touched; the half-loaded shadows go. */
  private static void dropShadowsQuietly(Database db, Schema schema) {
    try (Connection c = db.connect()) {
      var existing = db.existingTables(c);
      for (Table t : schema.tables()) {
        if (existing.contains((t.name() + NEW).toUpperCase(Locale.ROOT))) {
          Dialect.execute(c, "DROP TABLE " + db.dialect().quote(t.name() + NEW));
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.warn(
          "could not drop the shadow tables of a failed restore ({}); the next restore will",
          e.getMessage());
    }
  }

  /** Loads every shadow table, two at a time on connections of their own. */
  /** Whether the server takes {@code LOAD DATA LOCAL INFILE} (MySQL 8 refuses it by default). */
  private static boolean localInfileAllowed(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT @@GLOBAL.local_infile")) {
      return rs.next() && rs.getInt(1) == 1;
    }
  }

  private static java.util.Map<String, Long> loadInParallel(
      Database source, Schema schema, Database db, Schema shadow, boolean localInfile) {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2, DaemonThreads.named("restore-load"));
    try {
      List<java.util.concurrent.Future<Long>> loads = new ArrayList<>();
      for (int i = 0; i < schema.tables().size(); i++) {
        Table from = schema.tables().get(i);
        Table into = shadow.tables().get(i);
        loads.add(
            pool.submit(
                () -> {
                  if (!localInfile) {
                    return insertTable(source, from, db, into);
                  }
                  // LOAD DATA in auto-commit: one transaction per table, and the connection
                  // runs nothing but statements that carry their own stream.
                  try (Connection src = source.connect();
                      Connection dst = db.connectForLoading()) {
                    MySqlDialect my = (MySqlDialect) db.dialect();
                    my.prepareForLoading(dst);
                    try (PreparedStatement read =
                            source
                                .dialect()
                                .prepareStreaming(src, Sql.selectAll(from, source.dialect()));
                        ResultSet rows = read.executeQuery()) {
                      return my.loadData(dst, into, rows, source.dialect());
                    }
                  }
                }));
      }
      java.util.Map<String, Long> rows = new java.util.LinkedHashMap<>();
      for (int i = 0; i < loads.size(); i++) {
        rows.put(schema.tables().get(i).name(), loads.get(i).get());
      }
      return rows;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataAccessException("restore interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof SQLException sql) {
        throw new DataAccessException(db.describe(sql), sql);
      }
      throw c instanceof RuntimeException re ? re : new DataAccessException(String.valueOf(c), c);
    } finally {
      pool.shutdownNow();
    }
  }

  /** One table by multi-row INSERTs in one transaction, for servers without local_infile. */
  private static long insertTable(Database source, Table from, Database db, Table into)
      throws SQLException {
    try (Connection src = source.connect();
        Connection dst = db.connect()) {
      db.dialect().tuneForBulkLoad(dst);
      dst.setAutoCommit(false);
      long n = 0;
      List<Object[]> batch = new ArrayList<>(INSERT_BATCH);
      try (PreparedStatement read =
              source.dialect().prepareStreaming(src, Sql.selectAll(from, source.dialect()));
          ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          batch.add(Rows.read(rs, from, source.dialect()));
          n++;
          if (batch.size() == INSERT_BATCH) {
            db.dialect().bulkInsert(dst, into, batch);
            batch.clear();
          }
        }
      }
      db.dialect().bulkInsert(dst, into, batch);
      dst.commit();
      return n;
    }
  }

  private static final int INSERT_BATCH = 2_000;

  private static void dropLeftovers(Database db, Connection c, Schema schema) throws SQLException {
    var existing = db.existingTables(c);
    for (Table t : schema.tables()) {
      for (String suffix : new String[] {NEW, OLD}) {
        if (existing.contains((t.name() + suffix).toUpperCase(Locale.ROOT))) {
          Dialect.execute(c, "DROP TABLE " + db.dialect().quote(t.name() + suffix));
          log.warn("dropped {} left by an interrupted restore", t.name() + suffix);
        }
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover is dot-named and never mistaken for the database
    }
  }
}
