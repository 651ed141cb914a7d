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
 * written (no second read). When it is closed, its path goes to {@code onClosed}, which syncs it.
 */
final class HashingOutput extends OutputStream {
  private final FileChannel channel;
  private final MessageDigest sha = FileDigest.newSha256();
  private final CRC32C crc = new CRC32C();
  private final Path file;
  private final java.util.function.Consumer<Path> onClosed;
  private long size;
  private boolean closed;

  HashingOutput(Path file, java.util.function.Consumer<Path> onClosed) throws IOException {
    this.file = file;
    this.onClosed = onClosed;
    FileChannel ch;
    try {
      ch =
          FileChannel.open(
              file,
              java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
    this.channel = ch;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    sha.update(b, off, len);
    crc.update(b, off, len);
    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    size += len;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    channel.close();
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
