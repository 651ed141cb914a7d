package io.expmgr.db;

import io.expmgr.ProgressListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How an engine replaces the whole content of its database with a snapshot's, in one atomic switch:
 * readers see the old data or the new, never a mix, and a crash at any moment leaves one of the
 * two. Into the engine the snapshot came from, the database is made again exactly as it was; into
 * another it is translated ({@link Translate}).
 */
public interface SnapshotRestore {

  /**
   * Restores a {@code sqlite}-format snapshot ({@code sqliteData}, a SQLite file holding every
   * table of the source) into the database of {@code target}, creating it if missing.
   *
   * @param crc32c the data file's recorded checksum: a file that differs is refused before anything
   *     is switched
   * @param verifier checks the data file before it is read
   * @param catalog the source's tables as the snapshot's manifest describes them
   */
  void fromDataFile(
      Path sqliteData,
      String crc32c,
      Consumer<Path> verifier,
      Map<String, Long> expectedRows,
      Catalog catalog,
      Schema model,
      ConnectionConfig target,
      ProgressListener progress);

  /**
   * Restores tables written by {@link TsvTables} into the database of {@code target}, creating it
   * if missing. Each file's CRC-32C is checked as it is read: a file that differs is refused before
   * anything is switched.
   */
  void fromTsv(
      List<Restorer.TsvFile> files,
      Catalog catalog,
      Schema model,
      Map<String, Long> expectedRows,
      ConnectionConfig target,
      ProgressListener progress);
}
