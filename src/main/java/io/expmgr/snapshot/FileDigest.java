package io.expmgr.snapshot;

import io.expmgr.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;

/**
 * SHA-256 and CRC-32C of a file from one read. A second thread reads the file while this one
 * hashes: copying 1 GB out of the page cache takes as long as half of its SHA-256, and the two
 * overlap. Memory: four buffers of 4 MiB.
 */
final class FileDigest {
  private static final int BUFFER = 4 << 20;
  private static final int BUFFERS = 4;

  /** The checksums in lower-case hex; either is null when not asked for. */
  record Sums(String sha256, String crc32c) {}

  private FileDigest() {}

  private record Block(byte[] bytes, int length, IOException error) {}

  static Sums of(Path file, boolean sha256, boolean crc32c) {
    MessageDigest md = sha256 ? newSha256() : null;
    CRC32C crc = crc32c ? new CRC32C() : null;
    BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    BlockingQueue<Block> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[BUFFER]);
    }
    Thread reader =
        DaemonThreads.start(
            "expmgr-digest-reader",
            () -> {
              try (InputStream in = Files.newInputStream(file)) {
                while (true) {
                  byte[] b = free.take();
                  int n = in.readNBytes(b, 0, b.length);
                  if (crc != null) {
                    // The CRC rides on the reading thread: the SHA-256 alone sets the pace.
                    crc.update(b, 0, n);
                  }
                  full.put(new Block(b, n, null));
                  if (n < b.length) {
                    return;
                  }
                }
              } catch (IOException e) {
                full.add(new Block(null, -1, e));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    try {
      while (true) {
        Block b = full.take();
        if (b.error() != null) {
          throw new UncheckedIOException(
              "cannot read " + file + ": " + b.error().getMessage(), b.error());
        }
        if (md != null) {
          md.update(b.bytes(), 0, b.length());
        }
        if (b.length() < b.bytes().length) {
          break;
        }
        free.put(b.bytes());
      }
    } catch (InterruptedException e) {
      reader.interrupt();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + file, e);
    }
    try {
      // The reader has handed over its last block; its CRC is complete once it has ended.
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + file, e);
    }
    return new Sums(
        md == null ? null : HexFormat.of().formatHex(md.digest()),
        crc == null ? null : String.format("%08x", crc.getValue()));
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
