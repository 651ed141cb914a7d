package io.expmgr.snapshot;

import io.expmgr.ProgressListener;
import io.expmgr.SnapshotException;
import io.expmgr.db.Database;
import io.expmgr.state.DatabaseFolders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/** The files of a snapshot: copied, synced, hashed (SHA-256, CRC-32C), made private, removed. */
final class SnapshotFiles {
  private SnapshotFiles() {}

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover reservation only makes that id unusable
    }
  }

  /**
   * Copies the first {@code length} bytes of a database file that cannot change meanwhile (see
   * {@link Database#copyFrozenFile}); returns the copy's SHA-256 and CRC-32C, taken from the same
   * read.
   */
  static String[] copyFile(Path file, long length, Path copy, ProgressListener progress)
      throws IOException {
    // Past the page cache where the file system allows it: filling fresh page cache is most of
    // what a copy costs on a virtual machine.
    progress.onStep("copying the database file", "MiB");
    io.expmgr.internal.DirectCopy.Sums direct =
        io.expmgr.internal.DirectCopy.copy(
            file, length, copy, true, bytes -> progress.onProgress(bytes >> 20, length >> 20));
    if (direct != null) {
      restrict(copy, false);
      return new String[] {direct.sha256(), direct.crc32c()};
    }
    FileDigest.Sums sums;
    try (FileChannel out =
        FileChannel.open(
            copy,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      restrict(copy, false);
      sums = FileDigest.copy(file, length, out, progress);
    }
    if (Files.size(copy) != length) {
      throw new SnapshotException(
          "the database file changed size while it was copied ("
              + Files.size(copy)
              + " of "
              + length
              + " bytes); nothing was kept");
    }
    return new String[] {sums.sha256(), sums.crc32c()};
  }

  /** SHA-256 and CRC-32C of a file, in hex, from one read. */
  static String[] checksums(Path file) {
    FileDigest.Sums sums = FileDigest.of(file, true, true);
    return new String[] {sums.sha256(), sums.crc32c()};
  }

  /** CRC-32C of a file in hex. */
  static String crc32c(Path file) {
    return FileDigest.of(file, false, true).crc32c();
  }

  static String sha256Unchecked(Path file, ProgressListener progress) {
    return FileDigest.of(file, true, false, progress).sha256();
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  static MessageDigest digest() {
    return FileDigest.newSha256();
  }

  static void fsync(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        ch.force(true);
      } catch (IOException ignored) {
        // some file systems cannot sync folders; the data file itself is synced
      }
      return;
    }
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  static void restrict(Path path, boolean folder) {
    DatabaseFolders.restrict(path, folder);
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // best effort: a partial folder is dot-named and never listed
    }
  }
}
