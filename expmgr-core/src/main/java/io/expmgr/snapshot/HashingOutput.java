package io.expmgr.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * A new snapshot file, readable by its owner only, whose SHA-256 and CRC-32C are taken as it is
 * written (no second read). A thread of its own hashes and writes what it is given, so the writer
 * goes on producing meanwhile; at most {@link #BUFFERS} chunks wait between them. When it is
 * closed, its path goes to {@code onClosed}, which syncs it.
 */
final class HashingOutput extends OutputStream {
  private static final int BUFFERS = 8;
  private static final byte[] END = new byte[0];

  private final FileChannel channel;
  private final MessageDigest sha = FileDigest.newSha256();
  private final CRC32C crc = new CRC32C();
  private final Path file;
  private final java.util.function.Consumer<Path> onClosed;
  private final java.util.concurrent.BlockingQueue<byte[]> free =
      new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS);
  private final java.util.concurrent.BlockingQueue<byte[]> full =
      new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS + 1);
  private final java.util.concurrent.BlockingQueue<Integer> lengths =
      new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS + 1);
  private final Thread writer;
  private volatile IOException failure;
  private long size;
  private boolean closed;

  HashingOutput(Path file, java.util.function.Consumer<Path> onClosed) throws IOException {
    this(file, create(file), onClosed);
  }

  /** Writes to an open channel (tests give one that fails). */
  HashingOutput(Path file, FileChannel channel, java.util.function.Consumer<Path> onClosed) {
    this.file = file;
    this.onClosed = onClosed;
    this.channel = channel;
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[1 << 16]);
    }
    this.writer = io.expmgr.internal.DaemonThreads.start("expmgr-snapshot-writer", this::drain);
  }

  private static FileChannel create(Path file) throws IOException {
    try {
      return FileChannel.open(
          file,
          java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
  }

  /** The writing thread: hashes and writes each chunk in order, until the end or a failure. */
  private void drain() {
    try {
      for (byte[] b = full.take(); b != END; b = full.take()) {
        int n = lengths.take();
        if (failure == null) {
          try {
            sha.update(b, 0, n);
            crc.update(b, 0, n);
            ByteBuffer buf = ByteBuffer.wrap(b, 0, n);
            while (buf.hasRemaining()) {
              channel.write(buf);
            }
          } catch (IOException e) {
            failure = e;
          }
        }
        free.put(b);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (failure != null) {
        throw failure;
      }
      byte[] chunk = take();
      int n = Math.min(len, chunk.length);
      System.arraycopy(b, off, chunk, 0, n);
      put(chunk, n);
      off += n;
      len -= n;
      size += n;
    }
  }

  private byte[] take() throws IOException {
    try {
      return free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while writing " + file);
    }
  }

  private void put(byte[] chunk, int n) throws IOException {
    try {
      lengths.put(n);
      full.put(chunk);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while writing " + file);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      try {
        lengths.put(0);
        full.put(END);
        writer.join();
      } catch (InterruptedException e) {
        writer.interrupt();
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while writing " + file);
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      channel.close();
    }
    onClosed.accept(file);
  }

  long size() {
    return size;
  }

  String sha256() {
    return HexFormat.of().formatHex(sha.digest());
  }

  String crc32c() {
    return String.format("%08x", crc.getValue());
  }
}
