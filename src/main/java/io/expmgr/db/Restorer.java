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
      String crc32c,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      Schema schema,
      ProgressListener progress) {
    if (target.engine() == Engine.SQLITE) {
      intoSqlite(sqliteData, crc32c, verifier, expectedRows, schema, target.sqlitePath());
    } else {
      verifier.accept(sqliteData);
      Database source = Database.openReadOnly(ConnectionConfig.sqlite(sqliteData));
      intoMysql(
          sqliteData.toString(),
          (from, into, db, localInfile) -> {
            try (Connection src = source.connect();
                PreparedStatement read =
                    source.dialect().prepareStreaming(src, Sql.selectAll(from, source.dialect()));
                ResultSet rows = read.executeQuery()) {
              if (!localInfile) {
                return insertRows(
                    () -> rows.next() ? Rows.read(rows, from, source.dialect()) : null, db, into);
              }
              // LOAD DATA in auto-commit: one transaction per table, and the connection runs
              // nothing but statements that carry their own stream.
              try (Connection dst = db.connectForLoading()) {
                MySqlDialect my = (MySqlDialect) db.dialect();
                my.prepareForLoading(dst);
                return my.loadData(dst, into, rows, source.dialect());
              }
            }
          },
          expectedRows,
          target,
          schema,
          progress);
    }
  }

  /** One table's rows in a snapshot folder as {@link TsvTables} writes them. */
  public record TsvFile(Table table, Path path, String crc32c) {}

  /**
   * Restores tables written by {@link TsvTables} into the database of {@code target}, creating it
   * if missing. Each file's CRC-32C is checked as it is read: a file that differs is refused before
   * anything is switched.
   *
   * @param buildSchema creates the versioned schema in a new SQLite file
   */
  public static void restoreTsv(
      List<TsvFile> files,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      Schema schema,
      java.util.function.Consumer<Database> buildSchema,
      ProgressListener progress) {
    java.util.Map<String, TsvFile> byTable = new java.util.HashMap<>();
    files.forEach(f -> byTable.put(f.table().name(), f));
    if (target.engine() == Engine.SQLITE) {
      tsvIntoSqlite(files, expectedRows, buildSchema, target.sqlitePath(), progress);
      return;
    }
    intoMysql(
        files.isEmpty() ? "" : files.get(0).path().getParent().toString(),
        (from, into, db, localInfile) -> {
          TsvFile f = byTable.get(from.name());
          CrcInput in = new CrcInput(f);
          try {
            long n;
            if (localInfile) {
              try (Connection dst = db.connectForLoading()) {
                MySqlDialect my = (MySqlDialect) db.dialect();
                my.prepareForLoading(dst);
                n = my.loadStream(dst, into, in);
              }
            } else {
              TsvReader r = new TsvReader(in, from.columns(), f.path().getFileName().toString());
              n = insertRows(r::next, db, into);
            }
            in.check();
            return n;
          } finally {
            in.release();
          }
        },
        expectedRows,
        target,
        schema,
        progress);
  }

  /** A snapshot file read through its CRC-32C, checked against the manifest at the end. */
  private static final class CrcInput extends java.io.FilterInputStream {
    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    private final TsvFile file;

    CrcInput(TsvFile file) throws IOException {
      super(Files.newInputStream(file.path()));
      this.file = file;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        crc.update(b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        crc.update(b, off, n);
      }
      return n;
    }

    /** The driver closes the stream it was given; the file stays open until {@link #check}. */
    @Override
    public void close() {}

    /**
     * Reads what the consumer left, closes the file, and refuses a file that differs from its
     * checksum.
     */
    void check() throws IOException {
      try (var file = in) {
        drainAndCompare();
      }
    }

    /** Closes the file, whatever happened. */
    void release() throws IOException {
      in.close();
    }

    private void drainAndCompare() throws IOException {
      byte[] rest = new byte[8192];
      while (read(rest, 0, rest.length) >= 0) {
        // only for the checksum
      }
      if (!String.format("%08x", crc.getValue()).equals(file.crc32c())) {
        throw new io.expmgr.SnapshotException(
            "snapshot file "
                + file.path().getFileName()
                + " is damaged (it differs from the recorded checksum); nothing was restored");
      }
    }
  }

  private static void tsvIntoSqlite(
      List<TsvFile> files,
      java.util.Map<String, Long> expectedRows,
      java.util.function.Consumer<Database> buildSchema,
      Path target,
      ProgressListener progress) {
    try {
      besideTarget(
          target, tmp -> buildFromTsv(tmp, files, expectedRows, buildSchema, target, progress));
    } catch (SQLException e) {
      throw new DataAccessException("cannot restore into " + target + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new io.expmgr.SnapshotException(
          "cannot restore into " + target + ": " + e.getMessage() + "; nothing was restored", e);
    }
  }

  private static void buildFromTsv(
      Path tmp,
      List<TsvFile> files,
      java.util.Map<String, Long> expectedRows,
      java.util.function.Consumer<Database> buildSchema,
      Path target,
      ProgressListener progress)
      throws IOException, SQLException {
    Database built = Database.open(ConnectionConfig.sqlite(tmp), OpenMode.CREATE);
    buildSchema.accept(built);
    java.util.Map<String, Long> rows = new java.util.LinkedHashMap<>();
    long done = 0;
    try (Connection c = built.connect()) {
      built.dialect().tuneForBulkLoad(c);
      c.setAutoCommit(false);
      for (TsvFile f : files) {
        CrcInput in = new CrcInput(f);
        try {
          TsvReader r = new TsvReader(in, f.table().columns(), f.path().getFileName().toString());
          List<Object[]> batch = new ArrayList<>(INSERT_BATCH);
          for (Object[] row = r.next(); row != null; row = r.next()) {
            batch.add(row);
            if (batch.size() == INSERT_BATCH) {
              built.dialect().bulkInsert(c, f.table(), batch);
              batch.clear();
              done += INSERT_BATCH;
              progress.onProgress(done, -1);
            }
          }
          built.dialect().bulkInsert(c, f.table(), batch);
          done += batch.size();
          in.check();
          rows.put(f.table().name(), r.count());
        } finally {
          in.release();
        }
      }
      c.commit();
    }
    requireRows(expectedRows, rows);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    progress.onProgress(done, done);
    switchInto(tmp, target);
    log.info("restored {} tables into {}", files.size(), target);
  }

  /** Loads one snapshot table into one shadow table; returns the rows stored. */
  @FunctionalInterface
  private interface TableLoader {
    long load(Table from, Table into, Database db, boolean localInfile) throws Exception;
  }

  /** The next row, or null at the end. */
  @FunctionalInterface
  private interface RowSupplier {
    Object[] next() throws Exception;
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
    return Database.openReadOnly(ConnectionConfig.sqlite(file)).countRowsMapped(schema);
  }

  private static void intoSqlite(
      Path data,
      String crc32c,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      Schema schema,
      Path target) {
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
                    : java.util.concurrent.CompletableFuture.runAsync(() -> verifier.accept(data));
            var rows =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> countRows(data, schema));
            String copied = copyFile(data, tmp);
            join(checksum);
            if (crc32c != null && !crc32c.equals(copied)) {
              throw new io.expmgr.SnapshotException(
                  "the snapshot's data file is damaged (it differs from the recorded checksum);"
                      + " nothing was restored");
            }
            requireRows(expectedRows, join(rows));
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
   * Copies a file and syncs the copy. The kernel copies (no bytes pass through Java), several times
   * faster than {@link Files#copy}, which reads and writes in small pieces; a second thread syncs
   * what is copied while the copy goes on, so the final sync finds little left to write.
   */
  private static String copyFile(Path from, Path to) throws IOException {
    String crc = copyDirect(from, to);
    return crc != null ? crc : copyBuffered(from, to);
  }

  /**
   * The copy with direct I/O, past the page cache: on virtual machines, filling 1 GB of fresh page
   * cache cost 1 to 5 s, while the disk takes the same bytes in about half a second. Blocks are
   * written whole and aligned; a tail shorter than a block is written through the cache. Returns
   * null, having written nothing, where the file system does not do direct I/O.
   */
  private static String copyDirect(Path from, Path to) throws IOException {
    if (!Boolean.parseBoolean(System.getProperty(DIRECT_IO_PROPERTY, "true"))) {
      return null;
    }
    long align = Files.getFileStore(to.toAbsolutePath().getParent()).getBlockSize();
    if (align <= 0 || align > DIRECT_BUFFER || Long.bitCount(align) != 1) {
      return null;
    }
    FileChannel out;
    try {
      out =
          FileChannel.open(
              to,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE,
              com.sun.nio.file.ExtendedOpenOption.DIRECT);
    } catch (UnsupportedOperationException | IOException notHere) {
      return null;
    }
    try {
      return copyDirect(from, to, out, align);
    } catch (IOException e) {
      // A file system that opens for direct I/O but refuses its writes (alignment): the copy is
      // made again through the cache, which reports any real fault of its own.
      log.debug("direct I/O failed ({}): copying through the page cache", e.getMessage());
      return null;
    }
  }

  private static String copyDirect(Path from, Path to, FileChannel out, long align)
      throws IOException {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    try (FileChannel in = FileChannel.open(from)) {
      long size = in.size();
      long whole = size - size % align;
      java.nio.ByteBuffer buf =
          java.nio.ByteBuffer.allocateDirect(DIRECT_BUFFER + (int) align).alignedSlice((int) align);
      buf.limit(DIRECT_BUFFER);
      try (out) {
        for (long pos = 0; pos < whole; ) {
          buf.clear().limit((int) Math.min(DIRECT_BUFFER, whole - pos));
          while (buf.hasRemaining()) {
            if (in.read(buf, pos + buf.position()) < 0) {
              throw new IOException(from + " ended before " + size + " bytes");
            }
          }
          buf.flip();
          crc.update(buf.duplicate());
          while (buf.hasRemaining()) {
            out.write(buf, pos + buf.position());
          }
          pos += buf.limit();
        }
        out.force(true);
      }
      if (whole < size) {
        java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate((int) (size - whole));
        while (tail.hasRemaining()) {
          if (in.read(tail, whole + tail.position()) < 0) {
            throw new IOException(from + " ended before " + size + " bytes");
          }
        }
        tail.flip();
        crc.update(tail.duplicate());
        try (FileChannel rest = FileChannel.open(to, StandardOpenOption.WRITE)) {
          while (tail.hasRemaining()) {
            rest.write(tail, whole + tail.position());
          }
          rest.force(true);
        }
      }
    }
    return String.format("%08x", crc.getValue());
  }

  private static final int DIRECT_BUFFER = 4 << 20;

  /** {@code false} turns direct I/O off (tests of the other path). */
  static final String DIRECT_IO_PROPERTY = "expmgr.restore.directIo";

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
          java.util.concurrent.CompletableFuture.runAsync(
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
              },
              java.util.concurrent.Executors.newSingleThreadExecutor(
                  DaemonThreads.named("restore-sync")));
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
    Thread cleanup = new Thread(() -> deleteQuietly(tmp), "restore-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      deleteQuietly(tmp);
      work.run(tmp);
    } finally {
      deleteQuietly(tmp);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
    }
  }

  /**
   * Renames a complete, synced SQLite file over {@code target}, after folding the old database's
   * write-ahead log in and switching it off, so no old WAL can ever be applied to the new file.
   */
  private static void switchInto(Path tmp, Path target) throws IOException {
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
  }

  private static void intoMysql(
      String data,
      TableLoader loader,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      Schema schema,
      ProgressListener progress) {
    Database db = Database.open(target, OpenMode.CREATE);
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
      java.util.Map<String, Long> rows = loadInParallel(loader, schema, db, shadow, localInfile);
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
      TableLoader loader, Schema schema, Database db, Schema shadow, boolean localInfile) {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2, DaemonThreads.named("restore-load"));
    try {
      List<java.util.concurrent.Future<Long>> loads = new ArrayList<>();
      for (int i = 0; i < schema.tables().size(); i++) {
        Table from = schema.tables().get(i);
        Table into = shadow.tables().get(i);
        loads.add(pool.submit(() -> loader.load(from, into, db, localInfile)));
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
      if (c instanceof IOException io) {
        throw new io.expmgr.SnapshotException(
            "cannot read the snapshot: "
                + (io.getMessage() != null ? io.getMessage() : io.toString())
                + "; nothing was restored",
            io);
      }
      throw c instanceof RuntimeException re ? re : new DataAccessException(String.valueOf(c), c);
    } finally {
      pool.shutdownNow();
    }
  }

  /** One table by multi-row INSERTs in one transaction, for servers without local_infile. */
  private static long insertRows(RowSupplier rows, Database db, Table into) throws Exception {
    try (Connection dst = db.connect()) {
      db.dialect().tuneForBulkLoad(dst);
      dst.setAutoCommit(false);
      long n = 0;
      List<Object[]> batch = new ArrayList<>(INSERT_BATCH);
      for (Object[] row = rows.next(); row != null; row = rows.next()) {
        batch.add(row);
        n++;
        if (batch.size() == INSERT_BATCH) {
          db.dialect().bulkInsert(dst, into, batch);
          batch.clear();
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
