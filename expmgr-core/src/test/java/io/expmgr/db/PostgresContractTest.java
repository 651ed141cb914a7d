package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConnectionException;
import io.expmgr.api.DatabaseManager;
import io.expmgr.support.PostgresServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresContractTest extends DatabaseContractTest {
  private final PostgresServer server = PostgresServer.get();

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
            "SELECT table_name, column_name, data_type, datetime_precision"
                + " FROM information_schema.columns WHERE table_schema = current_schema()"
                + " ORDER BY table_name, column_name");
    assertThat(cols)
        .filteredOn(c -> "total_val".equals(c.get("column_name")))
        .extracting(c -> c.get("data_type"))
        .containsExactly("double precision");
    assertThat(cols)
        .filteredOn(c -> !"flyway_schema_history".equals(c.get("table_name")))
        .filteredOn(c -> String.valueOf(c.get("column_name")).endsWith("time"))
        .extracting(c -> c.get("data_type") + "(" + c.get("datetime_precision") + ")")
        .containsOnly("timestamp without time zone(6)");
  }

  /**
   * PostgreSQL cannot switch foreign-key checks off for one session, and users' databases hold
   * broken links the hierarchy check must be able to find and remove: its tables declare none.
   */
  @Override
  @Test
  void declaresEveryForeignKeyOfTheModelIncludingComposite() {
    assertThat(
            db.query(
                "SELECT conname FROM pg_constraint c JOIN pg_namespace n"
                    + " ON n.oid = c.connamespace"
                    + " WHERE c.contype = 'f' AND n.nspname = current_schema()"))
        .isEmpty();
    long exp = db.createExperiment("kept", null);
    db.update(
        "INSERT INTO trial (name, experiment_id, start_time, update_time)"
            + " VALUES ('orphan', ?, now(), now())",
        exp + 1000);
    assertThat(io.expmgr.support.TestDatabases.foreignKeyViolations(db.database()).values())
        .contains(1L);
  }

  @Test
  void anIdWrittenExplicitlyMovesTheIdentityPastIt() {
    db.update(
        "INSERT INTO experiment (id, title, start_time, update_time)"
            + " VALUES (500, 'imported', now(), now())");
    long next = db.createExperiment("made after", null);
    assertThat(next).isEqualTo(501);
  }

  @Test
  void aReadOnlyHandleCannotWriteEvenInAutoCommit() {
    Database ro = Database.openReadOnly(config);
    assertThatThrownBy(
            () ->
                ro.withConnection(
                    c -> {
                      Dialect.execute(c, "DELETE FROM experiment");
                      return null;
                    }))
        .hasMessageContaining("read-only");
  }

  @Test
  void aStreamingReadInAutoCommitPutsTheConnectionBack() {
    long exp = db.createExperiment("streamed", null);
    Database d = db.database();
    d.withConnection(
        c -> {
          try (var ps = d.dialect().prepareStreaming(c, "SELECT id FROM experiment");
              var rs = ps.executeQuery()) {
            assertThat(c.getAutoCommit()).isFalse();
            assertThat(rs.next()).isTrue();
          }
          assertThat(c.getAutoCommit()).isTrue();
          Dialect.execute(c, "UPDATE experiment SET title = 'after' WHERE id = " + exp);
          return null;
        });
    assertThat(db.getExperiment(exp).orElseThrow().title()).isEqualTo("after");
  }

  @Test
  void theReservedWordDescIsQuoted() {
    long exp = db.createExperiment("t", "a description");
    assertThat(db.query("SELECT \"desc\" FROM EXPERIMENT WHERE id = ?", exp).get(0).get("desc"))
        .isEqualTo("a description");
  }

  @Test
  void aClosedPortFailsFastWithOneLine() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertFailsQuickly(
        new ConnectionConfig(Engine.POSTGRES, "x", "127.0.0.1", port, "u", "p"),
        "connection refused");
  }

  @Test
  void anUnknownHostIsNamed() {
    assertFailsQuickly(
        new ConnectionConfig(Engine.POSTGRES, "x", "no-such-host.invalid", 0, "u", "p"),
        "unknown host 'no-such-host.invalid'");
  }

  @Test
  void wrongCredentialsNeverEchoThePassword() {
    String wrong = "wrong-Secret-123";
    ConnectionConfig bad =
        new ConnectionConfig(
            Engine.POSTGRES,
            config.database(),
            server.host(),
            server.port(),
            PostgresServer.APP_USER,
            wrong);
    assertThatThrownBy(() -> DatabaseManager.open(bad))
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining("access denied")
        .hasMessageContaining(PostgresServer.APP_USER)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong))
        .satisfies(e -> assertThat(String.valueOf(e.getCause())).doesNotContain(wrong));
    assertThat(bad.toString()).doesNotContain(wrong);
  }

  @Test
  void anUnknownDatabaseIsNamedAndNotCreated() {
    String name = server.newDatabaseName("missing");
    assertFailsQuickly(server.config(name), "database '" + name + "' does not exist");
    assertThat(db.query("SELECT datname FROM pg_database WHERE datname = ?", name)).isEmpty();
  }

  @Test
  void urlsNameTheEngineByEitherScheme() {
    ConnectionConfig a =
        DatabaseUrl.parse("-d", "postgresql://ann:pw@db.example:6543/runs", null, false);
    ConnectionConfig b = DatabaseUrl.parse("-d", "postgres://ann@db.example/runs", "pw", false);
    assertThat(a.engine()).isEqualTo(Engine.POSTGRES);
    assertThat(a.port()).isEqualTo(6543);
    assertThat(b.port()).isEqualTo(5432);
    assertThat(b.identity()).isEqualTo("postgresql://ann@db.example:5432/runs");
    assertThatThrownBy(() -> DatabaseUrl.parse("-d", "postgresql://db.example/", null, false))
        .isInstanceOf(io.expmgr.InvalidInputException.class)
        .hasMessageContaining("needs a host and a database");
  }

  @Test
  void theBuilderTakesAUrlOrAnEngineLabel() {
    ConnectionConfig byUrl =
        DatabaseManager.builder().url("postgresql://ann@db.example/runs").password("pw").config();
    assertThat(byUrl.engine()).isEqualTo(Engine.POSTGRES);
    assertThat(byUrl.password()).isEqualTo("pw");
    ConnectionConfig byLabel =
        DatabaseManager.builder()
            .engine("postgres")
            .databasePath("runs")
            .host("db.example")
            .user("ann")
            .config();
    assertThat(byLabel.identity()).isEqualTo(byUrl.identity());
    assertThatThrownBy(() -> DatabaseManager.builder().engine("oracle"))
        .isInstanceOf(io.expmgr.InvalidInputException.class)
        .hasMessageContaining("expected one of sqlite, mysql, postgres");
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
