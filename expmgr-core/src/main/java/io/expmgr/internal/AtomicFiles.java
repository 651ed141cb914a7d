package io.expmgr.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Files that appear whole or not at all: written to a temporary name in the same folder, synced to
 * disk, then renamed over the target.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Checks that a file can be written at {@code target} (its missing parent folders are made to try
   * and removed again), so a long run does not fail only at the end.
   *
   * @throws UncheckedIOException naming the path when it cannot
   */
  public static void checkWritable(Path target) {
    Path t = target.toAbsolutePath();
    try {
      if (Files.isDirectory(t)) {
        throw new IOException("it is a directory");
      }
      Path firstMissing = null;
      for (Path p = t.getParent(); p != null && !Files.exists(p); p = p.getParent()) {
        firstMissing = p;
      }
      Files.createDirectories(t.getParent());
      try {
        Path probe = Files.createTempFile(t.getParent(), "." + t.getFileName(), ".probe");
        Files.delete(probe);
      } finally {
        // Folders made only to try are removed again: a check changes nothing.
        for (Path p = t.getParent();
            firstMissing != null && p != null && p.startsWith(firstMissing);
            p = p.getParent()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
    }
  }

  /** Writes bytes to {@code target} atomically, creating its parent folders. */
  public static void write(Path target, byte[] content) {
    Path t = target.toAbsolutePath();
    Path tmp = null;
    try {
      Files.createDirectories(t.getParent());
      tmp = sibling(t, ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, t, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file is dot-named and harmless
        }
      }
    }
  }

  /**
   * A new empty file beside {@code target}, dot-named, to be renamed over it. Unlike {@link
   * Files#createTempFile}, which makes it readable by its owner only, it gets the permissions the
   * user's umask gives any new file, as a shell redirect would: reports and exports are for
   * sharing.
   */
  public static Path sibling(Path target, String suffix) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    while (true) {
      Path p =
          dir.resolve(
              "."
                  + target.getFileName()
                  + "."
                  + Long.toUnsignedString(
                      java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36)
                  + suffix);
      try {
        return Files.createFile(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // another name
      }
    }
  }

  private static String describe(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no file can be made there";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return "a file is in the way of its folder";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
