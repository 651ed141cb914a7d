package io.expmgr.state;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.internal.ExpmgrHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where expmgr keeps what it knows about one database: {@code $EXPMGR_HOME/snapshots/<database
 * identity>/}, the same from whatever folder a command runs, so a cron job's snapshots are found
 * later by a person elsewhere. Lock files of server databases carry the same name.
 */
public final class DatabaseFolders {
  private DatabaseFolders() {}

  /**
   * The folder of a database by the name it was given. A folder an earlier expmgr made (under the
   * identity with the user in it) is used while it exists.
   */
  public static Path byName(ConnectionConfig config) {
    Path current = folderOf(config.storeIdentity());
    if (!Files.isDirectory(current)) {
      Path legacy = folderOf(config.identity());
      if (Files.isDirectory(legacy)) {
        return legacy;
      }
    }
    return current;
  }

  /**
   * The folder of an opened database: {@link #byName}, or for a server database reached by another
   * name than before (a DNS alias, an address), the folder its first name made (see {@link
   * ServerFolders}).
   */
  public static Path of(Database db) {
    Path byName = byName(db.config());
    String server = db.serverIdentity();
    return server == null ? byName : ServerFolders.resolve(byName, server);
  }

  private static Path folderOf(String identity) {
    String slug = identity.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^_+", "");
    if (slug.length() > 80) {
      slug = slug.substring(slug.length() - 80);
    }
    return ExpmgrHome.path()
        .resolve("snapshots")
        .resolve(slug + "-" + sha256(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 8));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }

  /** Makes a folder or file readable by its owner only, where the file system allows. */
  public static void restrict(Path path, boolean folder) {
    try {
      Files.setPosixFilePermissions(
          path, PosixFilePermissions.fromString(folder ? "rwx------" : "rw-------"));
    } catch (UnsupportedOperationException | IOException ignored) {
      // not a POSIX file system: its own defaults apply
    }
  }
}
