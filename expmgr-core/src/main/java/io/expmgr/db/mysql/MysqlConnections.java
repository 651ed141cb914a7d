package io.expmgr.db.mysql;

import io.expmgr.db.ConnectFailures;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.db.SslMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connecting to a MySQL or MariaDB server: connection settings, TLS, failures as one line. */
final class MysqlConnections {
  private static final Logger log = LoggerFactory.getLogger(MysqlConnections.class);

  private MysqlConnections() {}

  static Connection connect(Database db, Dialect.ConnectRequest r) throws SQLException {
    ConnectionConfig config = db.config();
    boolean readOnly = r.readOnly();
    boolean localInfile = r.localInfile();
    OpenMode mode = r.mode();
    Properties p = new Properties();
    p.setProperty("user", config.user());
    if (config.password() != null) {
      p.setProperty("password", config.password());
    }
    p.setProperty("connectTimeout", String.valueOf(Database.CONNECT_TIMEOUT_SECONDS * 1000));
    // The handshake too: a port where something accepts and stays silent (a PostgreSQL server
    // waits for the client to speak first) would otherwise hold the command forever. Lifted once
    // connected, so a long statement is never cut.
    p.setProperty("socketTimeout", String.valueOf(Database.CONNECT_TIMEOUT_SECONDS * 1000));
    p.setProperty("rewriteBatchedStatements", "true");
    p.setProperty("characterEncoding", "UTF-8");
    // Values of every column in UTF-8, whatever its character set (the tracker's tables are
    // latin1 on a server whose default is): the driver would otherwise pass their bytes as stored.
    p.setProperty("characterSetResults", "UTF-8");
    p.setProperty("connectionCollation", "utf8mb4_bin");
    p.setProperty("useUnicode", "true");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("allowPublicKeyRetrieval", "false");
    p.setProperty("cacheDefaultTimeZone", "false");
    p.setProperty(
        "sslMode",
        config.ssl() == SslMode.AUTO && TLS_REQUIRED.contains(config.identity())
            ? "PREFERRED"
            : config.ssl().driverValue(config.host()));
    p.setProperty("allowLoadLocalInfile", String.valueOf(localInfile));
    String url = "jdbc:mysql://" + config.urlHost() + ":" + config.port() + "/" + config.database();
    Connection c;
    try {
      c = getMysqlConnection(config, url, p);
    } catch (SQLException e) {
      if (mode == OpenMode.CREATE && e.getErrorCode() == 1049) {
        createMysqlDatabase(config, p);
        c = getMysqlConnection(config, url, p);
      } else {
        throw e;
      }
    }
    try {
      c.setNetworkTimeout(Runnable::run, 0);
      if (readOnly) {
        c.setReadOnly(true);
      }
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  /** Set once a loopback server refused a connection without TLS: later ones use it at once. */
  private static final java.util.Set<String> TLS_REQUIRED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A connection; under {@link SslMode#AUTO} on the loopback, tried once more with TLS when the
   * server or the account insists on it ({@code require_secure_transport}, {@code REQUIRE SSL}), as
   * it would have been under {@code preferred}.
   */
  private static Connection getMysqlConnection(ConnectionConfig config, String url, Properties p)
      throws SQLException {
    try {
      return DriverManager.getConnection(url, p);
    } catch (SQLException e) {
      boolean insecure =
          e.getErrorCode() == 1045
              || e.getErrorCode() == 3159
              || e.getErrorCode() == 4036
              || String.valueOf(e.getMessage()).contains("insecure transport");
      if (config.ssl() == SslMode.AUTO && "DISABLED".equals(p.getProperty("sslMode")) && insecure) {
        p.setProperty("sslMode", "PREFERRED");
        Connection c = DriverManager.getConnection(url, p);
        TLS_REQUIRED.add(config.identity());
        log.info("{} needs TLS on the loopback too: connecting with it", config.identity());
        return c;
      }
      throw e;
    }
  }

  private static void createMysqlDatabase(ConnectionConfig config, Properties p)
      throws SQLException {
    String url = "jdbc:mysql://" + config.urlHost() + ":" + config.port() + "/";
    try (Connection c = DriverManager.getConnection(url, p)) {
      Dialect.execute(
          c,
          "CREATE DATABASE IF NOT EXISTS "
              + MySqlDialect.INSTANCE.quote(config.database())
              + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      log.info("created MySQL database {}", config.database());
    }
  }

  static String connectFailure(ConnectionConfig config, SQLException e) {
    String where = "MySQL server " + config.host() + ":" + config.port();
    switch (e.getErrorCode()) {
      case 1045:
        return "access denied to "
            + where
            + " for user '"
            + config.user()
            + (config.password() == null || config.password().isEmpty()
                ? "' (no password was given: use --password to be asked, --password-file FILE,"
                    + " $EXPMGR_PASSWORD, or a [client] section in ~/.my.cnf)"
                : "' (wrong user or password)");
      case 1044:
        return "user '"
            + config.user()
            + "' may not use database '"
            + config.database()
            + "' on "
            + where;
      case 1049:
        return "database '" + config.database() + "' does not exist on " + where;
      default:
        break;
    }
    return ConnectFailures.network(config, where, e);
  }
}
