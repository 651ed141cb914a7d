package io.expmgr.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Copies a file with direct I/O, past the page cache, checksumming the bytes as they are read. On
 * virtual machines, filling a gigabyte of fresh page cache costs several seconds (what {@code cp}
 * and SQLite's {@code .backup} spend), while the disk takes the same bytes in about one. This
 * thread reads and hashes each block while a second one writes the one before: the copy takes about
 * as long as the slower of the two. Blocks are written whole and aligned; a tail shorter than a
 * block is written through the cache. The copy is synced when this returns.
 */
public final class DirectCopy {
  private static final int BLOCK = 4 << 20;
  private static final int BUFFERS = 4;

  /** {@code false} turns direct I/O off (tests of the other paths). */
  public static final String PROPERTY = "expmgr.directIo";

  private DirectCopy() {}

  /** The checksums in lower-case hex; SHA-256 is null when not asked for. */
  public record Sums(String sha256, String crc32c) {}

  /**
   * Copies the first {@code length} bytes of {@code from} into the new file {@code to}.
   *
   * @param sha256 whether to take the SHA-256 too (CRC-32C always)
   * @param progress receives the bytes copied so far
   * @return the checksums, or null, with nothing created, where the file system has no direct I/O
   * @throws IOException when {@code from} is shorter than {@code length} or a read or write fails
   *     ({@code to} is then left for the caller to remove)
   */
  public static Sums copy(Path from, long length, Path to, boolean sha256, LongConsumer progress)
      throws IOException {
    if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
      return null;
    }
    Path parent = to.toAbsolutePath().getParent();
    long align = Files.getFileStore(parent).getBlockSize();
    if (align <= 0 || align > BLOCK || Long.bitCount(align) != 1) {
      return null;
    }
    FileChannel out;
    try {
      out =
          FileChannel.open(
              to,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              com.sun.nio.file.ExtendedOpenOption.DIRECT);
    } catch (UnsupportedOperationException | IOException notHere) {
      return null;
    }
    try {
      return copy(from, length, to, out, align, sha256, progress);
    } catch (DirectRefused e) {
      // A file system that opens for direct I/O but refuses its writes (alignment): nothing
      // worth keeping was written; the caller copies another way.
      Files.deleteIfExists(to);
      return null;
    }
  }

  /** A direct write refused by the file system at its first block. */
  private static final class DirectRefused extends IOException {
    DirectRefused(IOException cause) {
      super(cause);
    }
  }

  private static Sums copy(
      Path from,
      long length,
      Path to,
      FileChannel out,
      long align,
      boolean sha256,
      LongConsumer progress)
      throws IOException {
    CRC32C crc = new CRC32C();
    MessageDigest md = sha256 ? newSha256() : null;
    long whole = length - length % align;
    BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    BlockingQueue<ByteBuffer> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    for (int i = 0; i < BUFFERS; i++) {
      free.add(ByteBuffer.allocateDirect(BLOCK + (int) align).alignedSlice((int) align));
    }
    ByteBuffer end = ByteBuffer.allocate(0);
    IOException[] failed = new IOException[1];
    long[] written = {0};
    Thread writer =
        DaemonThreads.start(
            "expmgr-direct-write",
            () -> {
              try {
                for (ByteBuffer b = full.take(); b != end; b = full.take()) {
                  try {
                    while (b.hasRemaining()) {
                      out.write(b, written[0] + b.position());
                    }
                  } catch (IOException e) {
                    failed[0] = written[0] == 0 ? new DirectRefused(e) : e;
                    return;
                  }
                  written[0] += b.limit();
                  free.put(b);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                // The reader never waits for a writer that has stopped.
                free.offer(ByteBuffer.allocateDirect(0));
              }
            });
    try (out;
        FileChannel in = FileChannel.open(from)) {
      for (long pos = 0; pos < whole; ) {
        ByteBuffer buf = free.take();
        if (failed[0] != null || buf.capacity() == 0) {
          break;
        }
        buf.clear().limit((int) Math.min(BLOCK, whole - pos));
        while (buf.hasRemaining()) {
          if (in.read(buf, pos + buf.position()) < 0) {
            throw new IOException(from + " ended before " + length + " bytes");
          }
        }
        buf.flip();
        crc.update(buf.duplicate());
        if (md != null) {
          md.update(buf.duplicate());
        }
        pos += buf.limit();
        full.put(buf);
        progress.accept(pos);
      }
      full.put(end);
      writer.join();
      if (failed[0] != null) {
        throw failed[0];
      }
      out.force(true);
      if (whole < length) {
        ByteBuffer tail = ByteBuffer.allocate((int) (length - whole));
        while (tail.hasRemaining()) {
          if (in.read(tail, whole + tail.position()) < 0) {
            throw new IOException(from + " ended before " + length + " bytes");
          }
        }
        tail.flip();
        crc.update(tail.duplicate());
        if (md != null) {
          md.update(tail.duplicate());
        }
        try (FileChannel rest = FileChannel.open(to, StandardOpenOption.WRITE)) {
          while (tail.hasRemaining()) {
            rest.write(tail, whole + tail.position());
          }
          rest.force(true);
        }
        progress.accept(length);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      writer.interrupt();
      throw new IOException("interrupted while copying " + from, e);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return new Sums(
        md == null ? null : HexFormat.of().formatHex(md.digest()),
        String.format("%08x", crc.getValue()));
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
