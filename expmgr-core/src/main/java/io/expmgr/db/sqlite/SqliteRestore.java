package io.expmgr.db.sqlite;

import io.expmgr.ConnectionException;
import io.expmgr.DataAccessException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Catalog;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.FlywayHistory;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Restorer;
import io.expmgr.db.Restorer.CrcInput;
import io.expmgr.db.Restorer.TsvFile;
import io.expmgr.db.Schema;
import io.expmgr.db.SnapshotRestore;
import io.expmgr.db.Table;
import io.expmgr.db.Translate;
import io.expmgr.db.TsvReader;
import io.expmgr.internal.DaemonThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a snapshot into a SQLite file in one atomic switch: the database is built (or the
 * snapshot's data file copied) next to the target under a dot-name, synced, and renamed over it.
 * The old database's write-ahead log is folded in and switched off first, so no old WAL can ever be
 * applied to the new file. Readers see the old data or the new, never a mix, and a crash at any
 * moment leaves one of the two.
 */
final class SqliteRestore implements SnapshotRestore {
  private static final Logger log = LoggerFactory.getLogger(SqliteRestore.class);

  static final SqliteRestore INSTANCE = new SqliteRestore();

  private SqliteRestore() {}

  private static final int INSERT_BATCH = 2_000;

  /** SQLite's own table of AUTOINCREMENT counters. */
  private static final String SQLITE_SEQUENCE = "sqlite_sequence";

  /** Where Flyway's history rows wait while its table is made again. */
  private static final String STAGING = FlywayHistory.TABLE + "__expmgr_rows";

  @Override
  public void fromDataFile(
      Path sqliteData,
      String crc32c,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      Catalog catalog,
      Schema model,
      ConnectionConfig target,
      ProgressListener progress) {
    intoSqlite(
        sqliteData,
        crc32c,
        verifier,
        expectedRows,
        realFile(target.sqlitePath()),
        catalog.engine() != Engine.SQLITE);
  }

  @Override
  public void fromTsv(
      List<TsvFile> files,
      Catalog catalog,
      Schema model,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      ProgressListener progress) {
    tsvIntoSqlite(files, catalog, model, expectedRows, realFile(target.sqlitePath()), progress);
  }

  private static void tsvIntoSqlite(
      List<TsvFile> files,
      Catalog catalog,
      Schema model,
      java.util.Map<String, Long> expectedRows,
      Path target,
      ProgressListener progress) {
    try {
      besideTarget(
          target, tmp -> buildFromTsv(tmp, files, catalog, model, expectedRows, target, progress));
    } catch (SQLException e) {
      throw new DataAccessException("cannot restore into " + target + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new io.expmgr.SnapshotException(
          "cannot restore into " + target + ": " + e.getMessage() + "; nothing was restored", e);
    }
  }

  /**
   * Builds the whole database in a new file and switches it in. From a SQLite snapshot: its
   * settings, then every table, index and view with its own DDL in the order the source made them
   * (so {@code sqlite_master} lists them in the same order), the rows of each table in the order it
   * stored them, bound as their original storage class, {@code sqlite_sequence} as it was, and the
   * triggers last (they must not fire while rows are loaded). From MySQL: tables translated.
   */
  private static void buildFromTsv(
      Path tmp,
      List<TsvFile> files,
      Catalog catalog,
      Schema model,
      java.util.Map<String, Long> expectedRows,
      Path target,
      ProgressListener progress)
      throws IOException, SQLException {
    boolean exact = catalog.restoresExactlyInto(Engine.SQLITE);
    Database built = Database.open(ConnectionConfig.sqlite(tmp), OpenMode.CREATE);
    java.util.Map<String, Long> rows = new java.util.LinkedHashMap<>();
    long done = 0;
    try (Connection c = built.connect()) {
      if (exact) {
        // These take effect only on an empty file: before the first table.
        for (String pragma : List.of("page_size", "auto_vacuum", "encoding")) {
          String v = catalog.settings().get(pragma);
          if (v != null) {
            Dialect.execute(c, "PRAGMA " + pragma + " = " + pragmaValue(pragma, v));
          }
        }
      }
      built.dialect().tuneForBulkLoad(c);
      c.setAutoCommit(false);
      java.util.Map<String, TsvFile> byTable = new java.util.HashMap<>();
      files.forEach(f -> byTable.put(f.table().name().toLowerCase(java.util.Locale.ROOT), f));
      List<TsvFile> last = new ArrayList<>();
      if (exact) {
        // In the source's order: each table is loaded as soon as it is made, before the indexes,
        // views and triggers made after it, so no trigger fires on the load and each index is
        // built once from the loaded rows.
        for (Catalog.SchemaObject o : catalog.objects()) {
          TsvFile f = byTable.get(o.name().toLowerCase(java.util.Locale.ROOT));
          if (o.name().equalsIgnoreCase(SQLITE_SEQUENCE)) {
            // Made with the first AUTOINCREMENT table; its rows go last, as loading rows with
            // their ids moves the counters.
            if (f != null) {
              last.add(f);
            }
          } else if (isStatistics(o.name())) {
            makeStatistics(c, built, catalog, o.name());
            if (f != null) {
              last.add(f);
            }
          } else {
            Dialect.execute(c, o.sql());
            if (o.type().equals("table") && f != null) {
              long n = loadTsv(c, built, f, null);
              rows.put(f.table().name(), n);
              done += n;
              progress.onProgress(done, -1);
            }
          }
        }
        for (TsvFile f : last) {
          Dialect.execute(c, "DELETE FROM " + built.dialect().quote(f.table().name()));
          rows.put(f.table().name(), loadTsv(c, built, f, null));
        }
      } else {
        for (TsvFile f : files) {
          if (!Translate.carried(f.table(), catalog.engine(), Engine.SQLITE)) {
            continue;
          }
          Table tt = Translate.table(f.table(), catalog.engine(), model);
          Dialect.execute(c, Ddl.createTableOnly(tt, built.dialect(), null, true));
          long n = loadTsv(c, built, f, tt);
          Dialect.execute(c, Ddl.createIndexes(tt, built.dialect()).toArray(String[]::new));
          if (FlywayHistory.is(f.table())) {
            FlywayHistory.remake(c, built.dialect(), f.table().name(), STAGING);
          }
          rows.put(f.table().name(), n);
          done += n;
          progress.onProgress(done, -1);
        }
      }
      if (exact) {
        for (String pragma : List.of("user_version", "application_id")) {
          String v = catalog.settings().get(pragma);
          if (v != null && !v.equals("0")) {
            Dialect.execute(c, "PRAGMA " + pragma + " = " + Long.parseLong(v));
          }
        }
      }
      c.commit();
      if (exact && "wal".equalsIgnoreCase(catalog.settings().get("journal_mode"))) {
        c.setAutoCommit(true);
        Dialect.execute(c, "PRAGMA journal_mode = WAL");
      }
    }
    if (!exact) {
      log.info(
          "restored a {} snapshot into SQLite: its tables were translated",
          catalog.engine().label());
    }
    Restorer.requireRows(expectedRows, rows);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    progress.onProgress(done, done);
    switchInto(tmp, target);
    log.info("restored {} tables into {}", files.size(), target);
  }

  /**
   * Makes a planner statistics table of the source. SQLite makes them with ANALYZE, never with
   * CREATE TABLE: on the schema alone it makes them without rows in this place of sqlite_master,
   * all it knows of at once (this library may know more of them than the one that wrote the source:
   * those go again).
   */
  private static void makeStatistics(Connection c, Database built, Catalog source, String name)
      throws SQLException {
    if (Catalog.read(built, c).table(name).isPresent()) {
      return;
    }
    Dialect.execute(c, "ANALYZE sqlite_master");
    for (Catalog.TableInfo made : Catalog.read(built, c).tables()) {
      if (isStatistics(made.name()) && source.table(made.name()).isEmpty()) {
        Dialect.execute(c, "DROP TABLE " + built.dialect().quote(made.name()));
      }
    }
  }

  /** SQLite's planner statistics tables ({@code sqlite_stat1}, {@code sqlite_stat4}). */
  private static boolean isStatistics(String table) {
    return table.toLowerCase(java.util.Locale.ROOT).startsWith("sqlite_stat");
  }

  private static String pragmaValue(String pragma, String v) {
    if (pragma.equals("encoding")) {
      return "'" + v.replace("'", "''") + "'";
    }
    if (pragma.equals("auto_vacuum")) {
      return String.valueOf(Integer.parseInt(v));
    }
    return String.valueOf(Long.parseLong(v));
  }

  /**
   * Loads one table's file: values as their original storage class (same engine) or as the
   * translated table's types ({@code translated}).
   */
  private static long loadTsv(Connection c, Database built, TsvFile f, Table translated)
      throws IOException, SQLException {
    CrcInput in = new CrcInput(f);
    try {
      List<String> columns = f.table().columnNames();
      TsvReader r;
      if (translated == null) {
        List<TsvReader.Decoder> decoders = new ArrayList<>();
        for (Catalog.ColumnInfo col : f.table().columns()) {
          decoders.add(TsvReader.sqlite(col.affinity(), f.storage().get(col.name())));
        }
        r = new TsvReader(in, columns, decoders, f.path().getFileName().toString());
      } else {
        r = new TsvReader(in, translated.columns(), f.path().getFileName().toString());
      }
      String name = f.table().name();
      List<Object[]> batch = new ArrayList<>(INSERT_BATCH);
      for (Object[] row = r.next(); row != null; row = r.next()) {
        batch.add(row);
        if (batch.size() == INSERT_BATCH) {
          insertBound(c, built.dialect(), name, columns, translated, batch);
          batch.clear();
        }
      }
      insertBound(c, built.dialect(), name, columns, translated, batch);
      in.check();
      return r.count();
    } finally {
      in.release();
    }
  }

  private static void insertBound(
      Connection c,
      Dialect d,
      String table,
      List<String> columns,
      Table translated,
      List<Object[]> rows)
      throws SQLException {
    if (translated != null) {
      d.bulkInsert(c, translated, rows);
    } else {
      SqliteDialect.insertObjects(c, table, columns, rows);
    }
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : e;
    }
  }

  /** Rows of every table of a SQLite file that nothing writes, read through mapped pages. */
  private static java.util.Map<String, Long> countRows(Path file) {
    Database copy = Database.openReadOnly(ConnectionConfig.sqlite(file));
    return copy.withConnection(
        c -> {
          java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
          for (Catalog.TableInfo t : Catalog.read(copy, c).tables()) {
            try (var st = c.createStatement();
                var rs =
                    st.executeQuery("SELECT count(*) FROM " + copy.dialect().quote(t.name()))) {
              rs.next();
              out.put(t.name(), rs.getLong(1));
            }
          }
          return out;
        });
  }

  private static void intoSqlite(
      Path data,
      String crc32c,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      Path target,
      boolean translated) {
    try {
      besideTarget(
          target,
          tmp -> {
            // The copy's CRC-32C is taken from the bytes as they are copied (or, for a manifest
            // without one, the verifier reads the snapshot meanwhile), and the rows are counted
            // beside: a damaged snapshot is refused before the switch, at the cost of the copy.
            var checksum =
                crc32c != null
                    ? java.util.concurrent.CompletableFuture.completedFuture((Void) null)
                    : DaemonThreads.run(() -> verifier.accept(data));
            var rows = DaemonThreads.supply(() -> countRows(data));
            String copied = copyFile(data, tmp);
            join(checksum);
            if (crc32c != null && !crc32c.equals(copied)) {
              throw new io.expmgr.SnapshotException(
                  "the snapshot's data file is damaged (it differs from the recorded checksum);"
                      + " nothing was restored");
            }
            Restorer.requireRows(expectedRows, join(rows));
            if (translated) {
              remakeHistory(tmp);
            }
            switchInto(tmp, target);
            log.info("restored {} into {}", data, target);
          });
    } catch (IOException | SQLException e) {
      throw new UncheckedIOException(
          "cannot restore into " + target + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  /**
   * Flyway's history in the SQLite copy of a server's snapshot (written as text by earlier
   * versions), made as Flyway makes it in SQLite, before the copy takes the database's place.
   */
  private static void remakeHistory(Path file) throws SQLException {
    Database copy = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    try (Connection c = copy.connect()) {
      var history = Catalog.read(copy, c).table(FlywayHistory.TABLE);
      if (history.isEmpty() || !FlywayHistory.is(history.get())) {
        return;
      }
      c.setAutoCommit(false);
      FlywayHistory.remake(c, copy.dialect(), history.get().name(), STAGING);
      c.commit();
    }
  }

  /**
   * Copies a file and syncs the copy. The kernel copies (no bytes pass through Java), several times
   * faster than {@link Files#copy}, which reads and writes in small pieces; a second thread syncs
   * what is copied while the copy goes on, so the final sync finds little left to write.
   */
  private static String copyFile(Path from, Path to) throws IOException {
    String crc = copyDirect(from, to);
    return crc != null ? crc : copyBuffered(from, to);
  }

  /**
   * The copy with direct I/O, past the page cache ({@link io.expmgr.internal.DirectCopy}); null,
   * having written nothing, where the file system does not do direct I/O.
   */
  private static String copyDirect(Path from, Path to) throws IOException {
    Files.deleteIfExists(to);
    io.expmgr.internal.DirectCopy.Sums sums =
        io.expmgr.internal.DirectCopy.copy(from, Files.size(from), to, false, bytes -> {});
    return sums == null ? null : sums.crc32c();
  }

  private static String copyBuffered(Path from, Path to) throws IOException {
    try (FileChannel in = FileChannel.open(from);
        FileChannel out =
            FileChannel.open(
                to,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
      long size = in.size();
      java.util.concurrent.atomic.AtomicLong copied = new java.util.concurrent.atomic.AtomicLong();
      var syncing =
          DaemonThreads.run(
              () -> {
                long synced = 0;
                try {
                  while (synced < size && !Thread.currentThread().isInterrupted()) {
                    long now = copied.get();
                    if (now - synced >= SYNC_STEP || (now == size && now > synced)) {
                      out.force(false);
                      synced = now;
                    } else {
                      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                    }
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      try {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(COPY_BUFFER);
        for (long pos = 0; pos < size; ) {
          buf.clear();
          int n = in.read(buf, pos);
          if (n <= 0) {
            throw new IOException(from + " ended after " + pos + " of " + size + " bytes");
          }
          buf.flip();
          crc.update(buf.duplicate());
          while (buf.hasRemaining()) {
            out.write(buf, pos + buf.position());
          }
          pos += n;
          if (pos - copied.get() >= COPY_STEP || pos == size) {
            copied.set(pos);
          }
        }
      } finally {
        copied.set(size);
        syncing.exceptionally(e -> null).join();
      }
      join(syncing);
      out.force(true);
      return String.format("%08x", crc.getValue());
    }
  }

  private static final long COPY_STEP = 16L << 20;
  private static final int COPY_BUFFER = 1 << 16;
  private static final long SYNC_STEP = 128L << 20;

  /** Work on the temporary file a SQLite restore builds before the switch. */
  @FunctionalInterface
  private interface TemporaryWork {
    void run(Path tmp) throws IOException, SQLException;
  }

  /**
   * Runs {@code work} on a dot-named temporary file beside {@code target}, which is deleted
   * afterwards, also when the process is stopped (a leftover is never mistaken for the database).
   */
  private static void besideTarget(Path target, TemporaryWork work)
      throws IOException, SQLException {
    if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
      throw new ConnectionException(
          "cannot restore into " + target + ": folder " + target.getParent() + " does not exist");
    }
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + ".restoring-" + ProcessHandle.current().pid());
    Thread cleanup = DaemonThreads.onExit("restore-cleanup", () -> deleteQuietly(tmp));
    try {
      deleteQuietly(tmp);
      work.run(tmp);
    } finally {
      deleteQuietly(tmp);
      DaemonThreads.cancelOnExit(cleanup);
    }
  }

  /**
   * The file a path names: a symlink's target, so that a restore through a link replaces the
   * database, not the link.
   */
  private static Path realFile(Path p) {
    try {
      return Files.exists(p) ? p.toRealPath() : p;
    } catch (IOException e) {
      return p;
    }
  }

  /**
   * Gives the new file the old one's permissions, owner and group (a database shared through a
   * group stays shared); an owner this user may not set is left as it is, with a warning.
   */
  private static void keepAttributes(Path from, Path to) {
    try {
      var view =
          Files.getFileAttributeView(from, java.nio.file.attribute.PosixFileAttributeView.class);
      if (view == null) {
        return;
      }
      var attrs = view.readAttributes();
      Files.setPosixFilePermissions(to, attrs.permissions());
      var target =
          Files.getFileAttributeView(to, java.nio.file.attribute.PosixFileAttributeView.class);
      try {
        if (!attrs.group().equals(target.readAttributes().group())) {
          target.setGroup(attrs.group());
        }
        if (!attrs.owner().equals(target.readAttributes().owner())) {
          target.setOwner(attrs.owner());
        }
      } catch (IOException e) {
        log.warn(
            "{}: could not keep owner {} and group {} ({}); the restored file is {}'s",
            from,
            attrs.owner().getName(),
            attrs.group().getName(),
            e.getMessage(),
            System.getProperty("user.name"));
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("{}: could not keep its permissions: {}", from, e.getMessage());
    }
  }

  /**
   * Renames a complete, synced SQLite file over {@code target}, after folding the old database's
   * write-ahead log in and switching it off, so no old WAL can ever be applied to the new file.
   */
  private static void switchInto(Path tmp, Path target) throws IOException {
    if (Files.exists(target)) {
      keepAttributes(target, tmp);
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
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover is dot-named and never mistaken for the database
    }
  }
}
