package io.expmgr.state;

import io.expmgr.ConflictException;
import io.expmgr.DataAccessException;
import io.expmgr.PermissionException;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.internal.ExpmgrHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer of a kind per database: an operating-system lock on a file beside a SQLite database,
 * named after its real path (see {@link #stateFile}), or under {@code $EXPMGR_HOME/locks} for a
 * server database (released by the system when a process dies, so a killed run never blocks the
 * next one) and, on a server, a named lock there too ({@code GET_LOCK}, released when the
 * connection drops), so that runs from other hosts are excluded as well. The lock file holds the
 * holder's pid, host and start, which a refused run names.
 */
public final class DatabaseLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DatabaseLock.class);

  private final FileChannel channel;
  private final FileLock lock;
  private Connection serverLock;
  private Dialect serverDialect;
  private String serverLockName;

  private DatabaseLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** The folder of lock files of server databases. */
  public static Path lockDir() {
    return ExpmgrHome.path().resolve("locks");
  }

  /** A file-name-safe name of the database, the same one its snapshot folder has. */
  public static String slug(Database db) {
    return DatabaseFolders.byName(db.config()).getFileName().toString();
  }

  /**
   * Where a file about one database lives that every process must see whatever path or {@code
   * EXPMGR_HOME} it was given: beside a SQLite file, named after the file's real path (symlinks and
   * other spellings of the path meet there); under {@code $EXPMGR_HOME} for a server database,
   * whose named lock on the server excludes other hosts and homes.
   *
   * @param suffix what the file is ({@code migration.lock}, {@code upgrade-journal.json})
   */
  public static Path stateFile(Database db, String suffix) {
    if (db.config().file() != null) {
      Path p = db.config().file();
      try {
        p = p.toRealPath();
      } catch (IOException e) {
        // Not there yet (a new database): the path as given, made absolute.
      }
      return p.resolveSibling("." + p.getFileName() + ".expmgr-" + suffix);
    }
    return lockDir().resolve(slug(db) + "." + suffix);
  }

  /**
   * Takes the lock or fails fast with a {@link ConflictException} naming the holder.
   *
   * @param kind the lock's name ("upgrade", "migration")
   * @param what what holds it, for messages ("schema upgrade")
   * @param remoteHolder describes the holder when only the server lock is taken (another host); may
   *     return null
   */
  public static DatabaseLock acquire(
      Database db, String kind, String what, Supplier<String> remoteHolder) {
    Path file = stateFile(db, kind + ".lock");
    try {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        try {
          Files.createFile(file);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // another run made it first: fine
        } catch (java.nio.file.AccessDeniedException e) {
          throw new PermissionException(
              "cannot create the lock file "
                  + file
                  + " beside the database: the folder is not writable by this user, and"
                  + " changing the database needs that (SQLite writes its journal there too)");
        }
      }
      FileChannel ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        ch.close();
        throw new ConflictException(
            "another "
                + what
                + " of "
                + db.identity()
                + " is running in this process ("
                + new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim()
                + ")");
      }
      if (l == null) {
        String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
        ch.close();
        throw new ConflictException(
            "another "
                + what
                + " of "
                + db.identity()
                + " is running ("
                + (holder.isEmpty() ? "holder unknown" : holder)
                + "); try again when it ends");
      }
      String me =
          "pid "
              + ProcessHandle.current().pid()
              + " on "
              + host()
              + ", started "
              + OffsetDateTime.now().withNano(0);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
      ch.force(false);
      DatabaseLock taken = new DatabaseLock(ch, l);
      taken.lockServer(db, kind, what, remoteHolder);
      return taken;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot take the lock " + file + ": " + e.getMessage(), e);
    }
  }

  private void lockServer(Database db, String kind, String what, Supplier<String> remoteHolder) {
    Connection c = db.connect();
    String name = "expmgr_" + kind + "_" + db.config().database();
    try {
      if (!db.dialect().tryNamedLock(c, name)) {
        c.close();
        close();
        String holder = remoteHolder == null ? null : remoteHolder.get();
        throw new ConflictException(
            "another "
                + what
                + " of "
                + db.identity()
                + " is running ("
                + (holder == null ? "from another host" : holder)
                + "); try again when it ends");
      }
      serverLock = c;
      serverDialect = db.dialect();
      serverLockName = name;
    } catch (SQLException e) {
      close();
      throw new DataAccessException(db.describe(e), e);
    }
  }

  /** This machine's name, for lock holders and run records. */
  public static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "this host";
    }
  }

  @Override
  public void close() {
    try {
      if (serverLock != null) {
        try {
          // Released before the connection closes: the server drops a closed session's locks a
          // moment later, and the next command may already be asking.
          serverDialect.releaseNamedLock(serverLock, serverLockName);
        } finally {
          serverLock.close();
          serverLock = null;
        }
      }
    } catch (SQLException e) {
      log.warn("could not release the server lock: {}", e.getMessage());
    }
    try {
      if (!channel.isOpen()) {
        return;
      }
      channel.truncate(0);
      lock.release();
      channel.close();
    } catch (IOException e) {
      log.warn("could not release the lock: {}", e.getMessage());
    }
  }
}
