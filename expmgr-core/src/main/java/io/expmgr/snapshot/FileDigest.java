package io.expmgr.snapshot;

import io.expmgr.internal.DaemonThreads;
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
    return of(file, sha256, crc32c, io.expmgr.ProgressListener.NONE);
  }

  /** As {@link #of(Path, boolean, boolean)}, telling {@code progress} the MiB read. */
  static Sums of(Path file, boolean sha256, boolean crc32c, io.expmgr.ProgressListener progress) {
    long length;
    try {
      length = Files.size(file);
    } catch (IOException e) {
      length = -1;
    }
    long read = 0;
    long reported = 0;
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
        read += b.length();
        if (read - reported >= (16 << 20) || b.length() < b.bytes().length) {
          progress.onProgress(read >> 20, length < 0 ? -1 : length >> 20);
          reported = read;
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

  /**
   * Copies the first {@code length} bytes of {@code file} into {@code copy} (opened for reading and
   * writing, empty) and returns the checksums of the copy. The kernel copies (no bytes pass through
   * Java) in chunks on a second thread, while this one reads back and hashes each chunk written:
   * the checksums are those of the copy itself, for about the time of the SHA-256 alone. The copy
   * is synced to disk when this returns.
   *
   * @throws IOException when the file is shorter than {@code length} or cannot be read or written
   */
  static Sums copy(
      Path file,
      long length,
      java.nio.channels.FileChannel copy,
      io.expmgr.ProgressListener progress)
      throws IOException {
    java.util.concurrent.atomic.AtomicLong copied = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicReference<IOException> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread hasher = Thread.currentThread();
    Thread copier =
        DaemonThreads.start(
            "expmgr-file-copy",
            () -> {
              try (var in = java.nio.channels.FileChannel.open(file)) {
                long pos = 0;
                while (pos < length) {
                  long n = in.transferTo(pos, Math.min(COPY_CHUNK, length - pos), copy);
                  if (n <= 0) {
                    throw new IOException(
                        file + " ended after " + pos + " of " + length + " bytes");
                  }
                  pos += n;
                  copied.set(pos);
                  java.util.concurrent.locks.LockSupport.unpark(hasher);
                }
                // To disk while the hasher catches up.
                copy.force(true);
              } catch (IOException e) {
                failure.set(e);
              } finally {
                java.util.concurrent.locks.LockSupport.unpark(hasher);
              }
            });
    MessageDigest md = newSha256();
    CRC32C crc = new CRC32C();
    // Direct: the kernel reads into it without a copy through a temporary buffer.
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(1 << 16);
    long pos = 0;
    long reported = 0;
    try {
      while (pos < length) {
        long ready = copied.get();
        if (ready == pos) {
          if (failure.get() != null) {
            throw failure.get();
          }
          if (!copier.isAlive() && copied.get() == pos) {
            throw new IOException("the copy of " + file + " stopped at byte " + pos);
          }
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
          continue;
        }
        buf.clear().limit((int) Math.min(buf.capacity(), ready - pos));
        int n = copy.read(buf, pos);
        if (n <= 0) {
          throw new IOException("cannot read back the copy of " + file + " at byte " + pos);
        }
        buf.flip();
        crc.update(buf.duplicate());
        md.update(buf);
        pos += n;
        if (pos - reported >= COPY_CHUNK || pos == length) {
          // In MiB: the bar counts the checked part of the copy.
          progress.onProgress(pos >> 20, length >> 20);
          reported = pos;
        }
      }
    } finally {
      try {
        copier.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return new Sums(HexFormat.of().formatHex(md.digest()), String.format("%08x", crc.getValue()));
  }

  /** Bytes the kernel copies per call, after which the hashing thread may read them back. */
  private static final long COPY_CHUNK = 16L << 20;

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
