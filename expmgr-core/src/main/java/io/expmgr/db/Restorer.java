package io.expmgr.db;

import io.expmgr.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  private Restorer() {}

  /**
   * Restores a {@code sqlite}-format snapshot ({@code sqliteData}, a SQLite file holding every
   * table of the source) into the database of {@code target}, creating it if missing. Into SQLite
   * the file itself is copied and switched in; into MySQL its tables are loaded, exactly as they
   * were when the source was MySQL ({@code catalog}), translated when it was SQLite.
   *
   * @param crc32c the data file's recorded checksum: a file that differs is refused before anything
   *     is switched
   * @param catalog the source's tables as the snapshot's manifest describes them
   */
  public static void restore(
      Path sqliteData,
      String crc32c,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      Catalog catalog,
      Schema model,
      ConnectionConfig target,
      ProgressListener progress) {
    target
        .engine()
        .dialect()
        .snapshotRestore()
        .fromDataFile(sqliteData, crc32c, verifier, expectedRows, catalog, model, target, progress);
  }

  /**
   * The table of a {@code sqlite}-format data file that holds the rows of the source's table {@code
   * from} (from a server they were translated into it by name).
   *
   * @throws io.expmgr.SnapshotException when the file has no such table
   */
  public static Catalog.TableInfo storedTable(Catalog inFile, Catalog.TableInfo from) {
    return inFile
        .table(from.name())
        .orElseThrow(
            () ->
                new io.expmgr.SnapshotException(
                    "the snapshot's data file has no table "
                        + from.name()
                        + "; nothing was restored"));
  }

  public static String selectAll(String table, List<String> columns, Dialect d) {
    return "SELECT " + Ddl.quoteAll(columns, d) + " FROM " + d.quote(table);
  }

  /**
   * One table's rows in a snapshot folder as {@link TsvTables} writes them.
   *
   * @param storage for SQLite columns without type affinity, the storage class of their values
   */
  public record TsvFile(
      Catalog.TableInfo table, Path path, String crc32c, java.util.Map<String, String> storage) {}

  /**
   * Restores tables written by {@link TsvTables} into the database of {@code target}, creating it
   * if missing. Each file's CRC-32C is checked as it is read: a file that differs is refused before
   * anything is switched. Into the engine the snapshot came from, the database is made again
   * exactly as it was (every table with its own DDL, indexes, views and triggers; into SQLite also
   * its settings and {@code sqlite_sequence}); into the other engine it is translated ({@link
   * Translate}).
   *
   * @param catalog the source's tables as the snapshot's manifest describes them
   */
  public static void restoreTsv(
      List<TsvFile> files,
      Catalog catalog,
      Schema model,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      ProgressListener progress) {
    target
        .engine()
        .dialect()
        .snapshotRestore()
        .fromTsv(files, catalog, model, expectedRows, target, progress);
  }

  /** A snapshot file read through its CRC-32C, checked against the manifest at the end. */
  public static final class CrcInput extends java.io.FilterInputStream {
    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    private final TsvFile file;

    public CrcInput(TsvFile file) throws IOException {
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
    public void check() throws IOException {
      try (var file = in) {
        drainAndCompare();
      }
    }

    /** Closes the file, whatever happened. */
    public void release() throws IOException {
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

  /** The next row, or null at the end. */
  @FunctionalInterface
  public interface RowSupplier {
    Object[] next() throws Exception;
  }

  /**
   * Says, once, that a translated restore left out the snapshot's views and triggers: they are
   * written in the source engine's SQL.
   */
  public static void warnUntranslatedObjects(Catalog catalog, Database target) {
    if (catalog.objects().stream()
        .anyMatch(o -> o.type().equals("view") || o.type().equals("trigger"))) {
      log.warn(
          "views and triggers of the snapshot are written in {} SQL and were not made in {}",
          catalog.engine().label(),
          target.identity());
    }
  }

  /**
   * Fails unless every table the manifest counts holds that many rows. A file may hold tables the
   * manifest does not count (an earlier expmgr counted the model's tables only).
   */
  public static void requireRows(
      java.util.Map<String, Long> expected, java.util.Map<String, Long> actual) {
    if (expected == null) {
      return;
    }
    java.util.Map<String, Long> seen = new java.util.LinkedHashMap<>();
    expected.keySet().forEach(k -> seen.put(k, actual.get(k)));
    if (!expected.equals(seen)) {
      throw new io.expmgr.SnapshotException(
          "row counts differ from the snapshot's manifest ("
              + seen
              + " vs "
              + expected
              + "); nothing was restored");
    }
  }
}
