package io.expmgr.db.sqlite;

import io.expmgr.internal.ExpmgrHome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives sqlite-jdbc its native library from one folder per driver version under {@code
 * $EXPMGR_HOME/native}, written once and atomically (a temporary file moved into place), instead of
 * letting every process extract a copy into the shared temporary folder and delete copies it takes
 * for stale: commands started at the same moment (cron) then removed each other's library before it
 * was loaded ({@code UnsatisfiedLinkError}, "Failed to delete old native lib"). A library path the
 * user set ({@code org.sqlite.lib.path}) is left alone; when the folder cannot be written, the
 * driver's own extraction is used.
 */
final class SqliteNativeLibrary {
  private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);
  private static boolean prepared;

  private SqliteNativeLibrary() {}

  static synchronized void prepare() {
    if (prepared || System.getProperty("org.sqlite.lib.path") != null) {
      prepared = true;
      return;
    }
    prepared = true;
    try {
      String folder = org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS();
      String name = System.mapLibraryName("sqlitejdbc");
      if (name.endsWith(".jnilib")) {
        name = name.replace(".jnilib", ".dylib");
      }
      String resource = "/org/sqlite/native/" + folder + "/" + name;
      String version = org.sqlite.SQLiteJDBCLoader.getVersion();
      Path dir =
          ExpmgrHome.path().resolve("native").resolve("sqlite-jdbc-" + version).resolve(folder);
      Path lib = dir.resolve(name);
      try (InputStream in = org.sqlite.SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
        if (in == null) {
          return;
        }
        if (!Files.isRegularFile(lib)) {
          Files.createDirectories(dir);
          Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
          try {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE);
          } finally {
            Files.deleteIfExists(tmp);
          }
        }
      }
      System.setProperty("org.sqlite.lib.path", dir.toString());
      System.setProperty("org.sqlite.lib.name", name);
      // The driver's clean-up of stale extractions then looks only in this folder.
      System.setProperty("org.sqlite.tmpdir", dir.toString());
    } catch (IOException | RuntimeException | LinkageError e) {
      log.debug("native library left to the driver's own extraction: {}", e.toString());
    }
  }
}
