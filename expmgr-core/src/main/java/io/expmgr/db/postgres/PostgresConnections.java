package io.expmgr.db.postgres;

import io.expmgr.db.ConnectFailures;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connecting to a PostgreSQL server: connection settings, TLS, failures as one line. */
final class PostgresConnections {
  private static final Logger log = LoggerFactory.getLogger(PostgresConnections.class);

  private PostgresConnections() {}

  /** The database does not exist. */
  private static final String INVALID_CATALOG = "3D000";

  static Connection connect(Database db, Dialect.ConnectRequest r) throws SQLException {
    ConnectionConfig config = db.config();
    Properties p = properties(config);
    String url = url(config, config.database());
    Connection c;
    try {
      c = DriverManager.getConnection(url, p);
    } catch (SQLException e) {
      if (r.mode() != OpenMode.CREATE || !INVALID_CATALOG.equals(e.getSQLState())) {
        throw e;
      }
      createDatabase(config, p);
      c = DriverManager.getConnection(url, p);
    }
    if (r.readOnly()) {
      c.setReadOnly(true);
    }
    return c;
  }

  private static String url(ConnectionConfig config, String database) {
    return "jdbc:postgresql://"
        + config.urlHost()
        + ":"
        + config.port()
        + "/"
        + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static Properties properties(ConnectionConfig config) {
    Properties p = new Properties();
    p.setProperty("user", config.user());
    if (config.password() != null) {
      p.setProperty("password", config.password());
    }
    p.setProperty("connectTimeout", String.valueOf(Database.CONNECT_TIMEOUT_SECONDS));
    p.setProperty("loginTimeout", String.valueOf(Database.CONNECT_TIMEOUT_SECONDS));
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "expmgr");
    // Text bound to a parameter is typed by the server from its column, as MySQL and SQLite do.
    p.setProperty("stringtype", "unspecified");
    p.setProperty("reWriteBatchedInserts", "true");
    p.setProperty("sslmode", sslMode(config));
    // A read-only handle's connections refuse writes in auto-commit too, not only in transactions.
    p.setProperty("readOnlyMode", "always");
    return p;
  }

  /** The driver's {@code sslmode} for the shared {@code --ssl-mode}. */
  private static String sslMode(ConnectionConfig config) {
    return switch (config.ssl()) {
      case AUTO ->
          config.ssl().driverValue(config.host()).equals("DISABLED") ? "disable" : "prefer";
      case DISABLED -> "disable";
      case PREFERRED -> "prefer";
      case REQUIRED -> "require";
      case VERIFY_CA -> "verify-ca";
      case VERIFY_IDENTITY -> "verify-full";
    };
  }

  private static void createDatabase(ConnectionConfig config, Properties p) throws SQLException {
    try (Connection c = DriverManager.getConnection(url(config, "postgres"), p)) {
      Dialect.execute(
          c,
          "CREATE DATABASE "
              + PostgresDialect.INSTANCE.quote(config.database())
              + " ENCODING 'UTF8' TEMPLATE template0");
      log.info("created PostgreSQL database {}", config.database());
    } catch (SQLException e) {
      if (!"42P04".equals(e.getSQLState())) { // made meanwhile by another
        throw e;
      }
    }
  }

  static String connectFailure(ConnectionConfig config, SQLException e) {
    String where = "PostgreSQL server " + config.host() + ":" + config.port();
    String state = String.valueOf(e.getSQLState());
    switch (state) {
      case "28P01", "28000" -> {
        return "access denied to "
            + where
            + " for user '"
            + config.user()
            + (config.password() == null || config.password().isEmpty()
                ? "' (no password was given: use --password to be asked, --password-file FILE,"
                    + " or $EXPMGR_PASSWORD)"
                : "' (wrong user or password)");
      }
      case INVALID_CATALOG -> {
        return "database '" + config.database() + "' does not exist on " + where;
      }
      case "42501" -> {
        return "user '"
            + config.user()
            + "' may not use database '"
            + config.database()
            + "' on "
            + where;
      }
      default -> {
        // below
      }
    }
    java.util.regex.Matcher auth =
        java.util.regex.Pattern.compile("The authentication type ([0-9,]+) is not supported")
            .matcher(String.valueOf(e.getMessage()));
    if (auth.find()) {
      // What another server's greeting reads as (MySQL's: 825,306,676), or a method this driver
      // lacks.
      return where
          + " asked for an authentication type PostgreSQL does not have ("
          + auth.group(1)
          + "): is it a PostgreSQL server? (check --host and --port)";
    }
    if (String.valueOf(e.getMessage()).startsWith("Connection attempt timed out")) {
      // loginTimeout: connected, but no answer to the start-up within it.
      return "no answer from "
          + where
          + " within "
          + Database.CONNECT_TIMEOUT_SECONDS
          + " s: is a PostgreSQL server running there? (check --host and --port, or a firewall)";
    }
    if (e.getCause() == null
        && String.valueOf(e.getMessage()).contains("error occurred while setting up the SSL")) {
      // The driver asked for TLS and the other end hung up: no cause to tell more.
      return where
          + " closed the connection when asked for TLS: is a PostgreSQL server running there?"
          + " (check --host and --port; a firewall or proxy may be in the way)";
    }
    return ConnectFailures.network(config, where, e);
  }
}
