package io.expmgr.db;

import io.expmgr.InvalidInputException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a database is and how to log in. Immutable. The password is kept out of {@link #toString()}
 * and {@link #identity()}, which is what reports, manifests and logs show.
 *
 * @param engine SQLite, MySQL/MariaDB or PostgreSQL
 * @param database the SQLite file path, or the server's database name
 * @param host server host; default {@code localhost}
 * @param port server port; default 3306 for MySQL, 5432 for PostgreSQL
 * @param user server user; default the operating-system user
 * @param password server password, or null for none
 * @param ssl whether a MySQL connection is encrypted; null means {@link SslMode#AUTO}
 */
public record ConnectionConfig(
    Engine engine,
    String database,
    String host,
    int port,
    String user,
    String password,
    SslMode ssl) {

  public static final String DEFAULT_HOST = "localhost";
  public static final int DEFAULT_PORT = 3306;

  public ConnectionConfig {
    Objects.requireNonNull(engine, "engine");
    ssl = ssl == null ? SslMode.AUTO : ssl;
    if (database == null || database.isBlank()) {
      throw new InvalidInputException(
          "--database is required: a SQLite file path, or a MySQL database name with --mysql");
    }
    Dialect dialect = engine.dialect();
    if (!dialect.isFileDatabase()) {
      host = host == null || host.isBlank() ? DEFAULT_HOST : host;
      port = port == 0 ? dialect.defaultPort() : port;
      if (port < 1 || port > 65535) {
        throw new InvalidInputException("--port must be between 1 and 65535, got " + port);
      }
      if (!isHostName(host)) {
        throw new InvalidInputException(
            "--host must be a host name or an IP address (letters, digits, '.', '-', or an IPv6"
                + " address), got '"
                + host
                + "'");
      }
      user = user == null || user.isBlank() ? System.getProperty("user.name", "root") : user;
      if (user.length() > 255 || user.chars().anyMatch(Character::isISOControl)) {
        throw new InvalidInputException("--user is not a user name: '" + user + "'");
      }
      String refused = dialect.refuseDatabaseName(database);
      if (refused != null) {
        throw new InvalidInputException(refused);
      }
    }
  }

  /**
   * True for a DNS name, an IPv4 address or an IPv6 address (bracketed or not): nothing that could
   * carry a port, a path or driver properties into a connection URL.
   */
  static boolean isHostName(String host) {
    if (host.length() > 253) {
      return false;
    }
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.contains(":")) {
      return h.matches("[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?");
    }
    return h.matches("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
  }

  /** The host as a JDBC URL holds it: an IPv6 address in brackets. */
  public String urlHost() {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** A connection with the default encryption ({@link SslMode#AUTO}). */
  public ConnectionConfig(
      Engine engine, String database, String host, int port, String user, String password) {
    this(engine, database, host, port, user, password, SslMode.AUTO);
  }

  /** A SQLite database file. */
  public static ConnectionConfig sqlite(Path file) {
    return new ConnectionConfig(Engine.SQLITE, file.toString(), null, 0, null, null);
  }

  /** A MySQL or MariaDB database. */
  public static ConnectionConfig mysql(
      String host, int port, String database, String user, String password) {
    return new ConnectionConfig(Engine.MYSQL, database, host, port, user, password);
  }

  /** The database file, made absolute; null for a server database. */
  public Path file() {
    return engine.dialect().isFileDatabase() ? sqlitePath() : null;
  }

  /** Whether the database is there: a file database's file exists; a server's is assumed. */
  public boolean mayExist() {
    Path f = file();
    return f == null || java.nio.file.Files.exists(f);
  }

  /** The database file, made absolute. Only for a file engine. */
  public Path sqlitePath() {
    return Path.of(database).toAbsolutePath().normalize();
  }

  /**
   * A stable, password-free name of the database: {@code sqlite:/abs/path.db} or {@code
   * mysql://user@host:port/name}. Snapshots are filed under it.
   */
  public String identity() {
    return engine.dialect().isFileDatabase()
        ? engine.dialect().urlScheme() + ":" + sqlitePath()
        : engine.dialect().urlScheme() + "://" + user + "@" + host + ":" + port + "/" + database;
  }

  /**
   * The database itself, whoever connects and however the server is named on this machine: the
   * SQLite file's real path (symlinks resolved), or the MySQL server and database without the user,
   * every loopback name ({@code localhost}, {@code 127.0.0.1}, {@code ::1}) as {@code localhost}.
   * Snapshots are filed under it, so a backup account's cron job and an analyst find the same ones.
   */
  public String storeIdentity() {
    if (engine.dialect().isFileDatabase()) {
      Path p = sqlitePath();
      try {
        p = p.toRealPath();
      } catch (java.io.IOException e) {
        // not there (yet): as given
      }
      return engine.dialect().urlScheme() + ":" + p;
    }
    String h = SslMode.isLoopback(host) ? "localhost" : host.toLowerCase(java.util.Locale.ROOT);
    return engine.dialect().urlScheme() + "://" + h + ":" + port + "/" + database;
  }

  /** The same connection with another database (file or schema name). */
  public ConnectionConfig withDatabase(String otherDatabase) {
    return new ConnectionConfig(engine, otherDatabase, host, port, user, password, ssl);
  }

  /** The same connection with another encryption mode. */
  public ConnectionConfig withSsl(SslMode mode) {
    return new ConnectionConfig(engine, database, host, port, user, password, mode);
  }

  @Override
  public String toString() {
    return identity();
  }
}
