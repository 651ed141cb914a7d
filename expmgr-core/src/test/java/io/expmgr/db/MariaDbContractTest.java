package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConnectionException;
import io.expmgr.api.DatabaseManager;
import io.expmgr.support.MariaDbServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MariaDbContractTest extends DatabaseContractTest {
  private final MariaDbServer server = MariaDbServer.get();

  @Override
  protected ConnectionConfig freshConfig() {
    // Not created: DatabaseManager.create must create the database itself.
    return server.config(server.newDatabaseName("contract"));
  }

  @Override
  protected void dispose(ConnectionConfig config) {
    server.dropDatabase(config.database());
  }

  @Test
  void columnTypesLoseNothing() {
    List<Map<String, Object>> cols =
        db.query(
            "SELECT table_name, column_name, column_type, character_set_name FROM information_schema.columns"
                + " WHERE table_schema = ? ORDER BY table_name, column_name",
            config.database());
    assertThat(cols)
        .filteredOn(c -> "total_val".equals(c.get("column_name")))
        .extracting(c -> c.get("column_type"))
        .containsExactly("double");
    assertThat(cols)
        .filteredOn(c -> !"flyway_schema_history".equals(c.get("table_name")))
        .filteredOn(c -> String.valueOf(c.get("column_name")).endsWith("time"))
        .extracting(c -> c.get("column_type"))
        .containsOnly("datetime(6)");
    assertThat(cols)
        .filteredOn(c -> c.get("character_set_name") != null)
        .extracting(c -> c.get("character_set_name"))
        .containsOnly("utf8mb4");
  }

  @Test
  void theReservedWordDescIsQuoted() {
    long exp = db.createExperiment("t", "a description");
    assertThat(db.query("SELECT `desc` FROM EXPERIMENT WHERE id = ?", exp).get(0).get("desc"))
        .isEqualTo("a description");
  }

  @Test
  void aClosedPortFailsFastWithOneLine() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ConnectionConfig closed = ConnectionConfig.mysql("127.0.0.1", port, "x", "u", "p");
    assertFailsQuickly(closed, "connection refused");
  }

  @Test
  void anUnknownHostIsNamed() {
    ConnectionConfig unknown = ConnectionConfig.mysql("no-such-host.invalid", 3306, "x", "u", "p");
    assertFailsQuickly(unknown, "unknown host 'no-such-host.invalid'");
  }

  @Test
  void wrongCredentialsNeverEchoThePassword() {
    String wrong = "wrong-Secret-123";
    ConnectionConfig bad =
        ConnectionConfig.mysql(
            server.host(), server.port(), config.database(), MariaDbServer.APP_USER, wrong);
    assertThatThrownBy(() -> DatabaseManager.open(bad))
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining("access denied")
        .hasMessageContaining(MariaDbServer.APP_USER)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong))
        .satisfies(e -> assertThat(String.valueOf(e.getCause())).doesNotContain(wrong));
    assertThat(bad.toString()).doesNotContain(wrong);
    assertThat(bad.identity()).doesNotContain(wrong);
  }

  @Test
  void anUnknownDatabaseIsNamedAndNotCreated() {
    String name = server.newDatabaseName("missing");
    assertFailsQuickly(server.config(name), "database '" + name + "' does not exist");
    assertThat(
            db.query(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?", name))
        .isEmpty();
  }

  @Test
  void theLoopbackIsNotEncryptedByDefaultAndRequiredIsHonoured() {
    assertThat(cipher(config)).as("auto on %s", config.host()).isEmpty();
    assertThat(cipher(config.withSsl(SslMode.DISABLED))).isEmpty();
    assumeTlsTestable();
    assertThat(cipher(config.withSsl(SslMode.REQUIRED))).isNotEmpty();
    assertThat(cipher(config.withSsl(SslMode.PREFERRED))).isNotEmpty();
  }

  @Test
  void anAccountOrServerThatInsistsOnTlsIsStillReachedOnTheLoopback() {
    assumeTlsTestable();
    String user = "expmgr_tls_only";
    server.admin("DROP USER IF EXISTS '" + user + "'@'%'");
    server.admin("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'tls-Pw-1' REQUIRE SSL");
    server.admin("GRANT ALL ON `" + config.database() + "`.* TO '" + user + "'@'%'");
    try {
      ConnectionConfig tlsOnly =
          ConnectionConfig.mysql(config.host(), config.port(), config.database(), user, "tls-Pw-1");
      assertThat(cipher(tlsOnly)).as("REQUIRE SSL account under auto").isNotEmpty();
      // Told not to use TLS, it does not: the server's refusal is reported.
      assertThatThrownBy(() -> DatabaseManager.open(tlsOnly.withSsl(SslMode.DISABLED)))
          .isInstanceOf(ConnectionException.class)
          .hasMessageContaining("access denied");
    } finally {
      server.admin("DROP USER IF EXISTS '" + user + "'@'%'");
    }
    server.admin("SET GLOBAL require_secure_transport = ON");
    try {
      assertThat(cipher(config)).as("require_secure_transport under auto").isNotEmpty();
    } finally {
      server.admin("SET GLOBAL require_secure_transport = OFF");
    }
  }

  @Test
  void anUntrustedCertificateIsRefusedInOneLineWhenVerified() {
    assumeTlsTestable();
    // The test server's certificate is self-signed: no trust store vouches for it.
    assertFailsQuickly(config.withSsl(SslMode.VERIFY_CA), "certificate");
  }

  @Test
  void sslModesParseLikeTheMysqlClientsAndRejectTypos() {
    assertThat(SslMode.parse("verify-identity")).isEqualTo(SslMode.VERIFY_IDENTITY);
    assertThat(SslMode.parse("Required")).isEqualTo(SslMode.REQUIRED);
    assertThatThrownBy(() -> SslMode.parse("requird"))
        .isInstanceOf(io.expmgr.InvalidInputException.class)
        .hasMessageContaining("--ssl-mode must be one of");
    assertThat(SslMode.isLoopback("127.0.0.1")).isTrue();
    assertThat(SslMode.isLoopback("[::1]")).isTrue();
    assertThat(SslMode.isLoopback("LOCALHOST")).isTrue();
    assertThat(SslMode.isLoopback("db.example.com")).isFalse();
    assertThat(SslMode.isLoopback("10.0.0.1")).isFalse();
    assertThat(SslMode.AUTO.driverValue("db.example.com")).isEqualTo("PREFERRED");
    assertThat(SslMode.AUTO.driverValue("localhost")).isEqualTo("DISABLED");
  }

  /**
   * The embedded server always offers TLS (MariaDB 11.4 makes its own certificate), so there the
   * TLS tests always run. An external server is tested only when a TLS connection works at all.
   */
  private void assumeTlsTestable() {
    if (System.getenv(MariaDbServer.URL_ENV) == null) {
      return;
    }
    boolean offered;
    try {
      offered = !cipher(config.withSsl(SslMode.REQUIRED)).isEmpty();
    } catch (RuntimeException e) {
      offered = false;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(offered, "the test server offers no TLS");
  }

  private static String cipher(ConnectionConfig c) {
    try (DatabaseManager m = DatabaseManager.open(c)) {
      return String.valueOf(m.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").get(0).get("Value"));
    }
  }

  private static void assertFailsQuickly(ConnectionConfig config, String message) {
    long start = System.nanoTime();
    assertThatThrownBy(() -> DatabaseManager.open(config))
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(12));
  }
}
