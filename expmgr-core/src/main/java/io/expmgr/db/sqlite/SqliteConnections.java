package io.expmgr.db.sqlite;

import io.expmgr.ConnectionException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;

/** Opening SQLite files: checks before connecting, connection settings, failures as one line. */
final class SqliteConnections {
  private SqliteConnections() {}

  private static final byte[] SQLITE_MAGIC =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  /** As much of a SQLite file as may be mapped (SQLite caps it at its own limit, 2 GB). */
  static final long MAPPED_BYTES = 1L << 40;

  static Connection connect(Database db, Dialect.ConnectRequest r) throws SQLException {
    ConnectionConfig config = db.config();
    boolean immediate = r.immediate();
    boolean readOnly = r.readOnly();
    OpenMode mode = r.mode();
    int timeoutSeconds = Database.CONNECT_TIMEOUT_SECONDS;
    SQLiteConfig sc = new SQLiteConfig();
    if (immediate) {
      sc.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    }
    sc.setBusyTimeout(timeoutSeconds * 1000);
    sc.setReadOnly(readOnly);
    if (readOnly) {
      // Reads map the file instead of copying pages out of the page cache: whole-table scans
      // (validation, exports) take a fraction of the CPU. A reader's lock keeps the mapped
      // pages from changing under it.
      sc.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, String.valueOf(MAPPED_BYTES));
    }
    // Orphans must be findable and removable: enforcement stays off, as SQLite's default.
    sc.enforceForeignKeys(false);
    if (mode == OpenMode.EXISTING) {
      // Never create an empty file behind the user's back.
      sc.resetOpenMode(org.sqlite.SQLiteOpenMode.CREATE);
    }
    return DriverManager.getConnection("jdbc:sqlite:" + config.sqlitePath(), sc.toProperties());
  }

  /**
   * Checks the file, sweeps work files a killed restore or generation left beside it, and returns
   * what removes the {@code -wal} and {@code -shm} files SQLite makes when it opens a WAL database,
   * should the file then be refused.
   */
  static Runnable beforeOpen(ConnectionConfig config, OpenMode mode) {
    Path file = config.sqlitePath();
    checkFile(file, mode);
    if (file.getParent() != null) {
      io.expmgr.internal.Leftovers.sweep(file.getParent(), file.getFileName().toString());
    }
    java.util.List<Path> sideFiles = new java.util.ArrayList<>();
    for (String suffix : new String[] {"-wal", "-shm"}) {
      Path side = file.resolveSibling(file.getFileName() + suffix);
      if (!Files.exists(side)) {
        sideFiles.add(side);
      }
    }
    return () -> {
      for (Path side : sideFiles) {
        try {
          if (!side.toString().endsWith("-wal") || Files.size(side) == 0) {
            Files.deleteIfExists(side);
          }
        } catch (IOException ignored) {
          // left as SQLite left it
        }
      }
    };
  }

  /** Reads the header: a file that is not SQLite fails here, not in the middle of work. */
  static void afterOpen(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
      rs.next();
    }
  }

  static void checkFile(Path path, OpenMode mode) {
    if (Files.isDirectory(path)) {
      throw new ConnectionException("SQLite database " + path + " is a directory, not a file");
    }
    if (!Files.exists(path)) {
      if (mode == OpenMode.EXISTING) {
        throw new ConnectionException(
            "SQLite database " + path + " does not exist (check --database; nothing was created)");
      }
      Path parent = path.getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new ConnectionException(
            "cannot create SQLite database " + path + ": folder " + parent + " does not exist");
      }
      return;
    }
    if (!Files.isReadable(path)) {
      throw new ConnectionException("SQLite database " + path + " is not readable (permissions)");
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] header = in.readNBytes(SQLITE_MAGIC.length);
      if (header.length == 0) {
        return; // an empty file is an empty SQLite database
      }
      if (header.length < SQLITE_MAGIC.length || !java.util.Arrays.equals(header, SQLITE_MAGIC)) {
        throw new ConnectionException(path + " is not a SQLite database (its header is wrong)");
      }
    } catch (IOException e) {
      throw new ConnectionException(
          "cannot read SQLite database " + path + ": " + e.getMessage(), e);
    }
  }

  static String connectFailure(ConnectionConfig config, SQLException e) {
    String where = "SQLite database " + config.sqlitePath();
    String m = String.valueOf(e.getMessage());
    if (m.contains("NOTADB") || m.contains("not a database") || m.contains("file is encrypted")) {
      return config.sqlitePath() + " is not a SQLite database";
    }
    if (m.contains("CANTOPEN")) {
      return "cannot open " + where + " (missing folder or permissions)";
    }
    return "cannot open " + where + ": " + m;
  }

  /** SQLite's "malformed" and "not a database" errors. */
  static boolean isDamage(SQLException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("SQLITE_CORRUPT") || m.contains("SQLITE_NOTADB");
  }
}
