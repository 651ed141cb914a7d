package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.PostgresServer;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command on a PostgreSQL database named by a {@code postgresql://} URL, and data crossing
 * between PostgreSQL, SQLite and MariaDB: what a user of the third engine meets.
 */
class PostgresCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final PostgresServer server = PostgresServer.get();
  private ConnectionConfig pg;
  private String url;
  private Path snaps;

  @BeforeEach
  void generate() {
    pg = server.config(server.newDatabaseName("cli"));
    url = url(pg.database());
    snaps = dir.resolve("snaps");
    CliRunner.Result g =
        CliRunner.run(
            "generate", "-d", url, "--experiments", "2", "--epochs", "3", "--metrics", "2");
    assertThat(g.exitCode()).as(g.err()).isZero();
    assertThat(g.out())
        .contains("postgresql://" + PostgresServer.APP_USER + "@")
        .doesNotContain(PostgresServer.APP_PASSWORD);
  }

  @AfterEach
  void drop() {
    TestDatabases.dispose(pg);
  }

  private String url(String database) {
    return "postgresql://"
        + PostgresServer.APP_USER
        + ":"
        + PostgresServer.APP_PASSWORD.replace("!", "%21")
        + "@"
        + server.host()
        + ":"
        + server.port()
        + "/"
        + database;
  }

  private Map<String, Long> counts() {
    return TestDatabases.counts(Database.open(pg, OpenMode.EXISTING));
  }

  @Test
  void validationAndTheHierarchyCommandsWorkAndCleanupRemovesOnlyOrphans() throws Exception {
    CliRunner.Result v = CliRunner.run("validate", "-d", url, "--json");
    assertThat(v.exitCode()).as(v.err()).isZero();
    assertThat(JSON.readTree(v.out()).path("summary").path("overall_status").asText())
        .isEqualTo("PASS");
    Database db = Database.open(pg, OpenMode.EXISTING);
    db.withConnection(
        c -> {
          io.expmgr.db.Dialect.execute(
              c,
              "INSERT INTO trial (name, experiment_id, start_time, update_time)"
                  + " VALUES ('lost', 999, now(), now())");
          return null;
        });
    CliRunner.Result broken = CliRunner.run("validate", "-d", url, "--json");
    assertThat(broken.exitCode()).isNotZero();
    assertThat(
            JSON.readTree(broken.out())
                .path("foreign_key_violations")
                .path("TRIAL")
                .path("count")
                .asLong())
        .isEqualTo(1);
    long trials = counts().get("TRIAL");
    CliRunner.Result dry = CliRunner.run("cleanup-orphans", "-d", url, "--dry-run");
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(counts().get("TRIAL")).isEqualTo(trials);
    CliRunner.Result clean =
        CliRunner.run("cleanup-orphans", "-d", url, "--yes", "--snapshot-dir", snaps.toString());
    assertThat(clean.exitCode()).as(clean.err()).isZero();
    assertThat(counts().get("TRIAL")).isEqualTo(trials - 1);
    assertThat(CliRunner.run("validate", "-d", url).exitCode()).isZero();
    CliRunner.Result h = CliRunner.run("check-hierarchy", "-d", url, "--json");
    assertThat(h.exitCode()).as(h.err()).isZero();
  }

  @Test
  void aSnapshotRestoresIntoPostgresAndIntoTheOtherEngines() throws Exception {
    Map<String, Long> before = counts();
    CliRunner.Result s =
        CliRunner.run("create-snapshot", "-d", url, "--snapshot-dir", snaps.toString(), "--json");
    assertThat(s.exitCode()).as(s.err()).isZero();
    JsonNode info = JSON.readTree(s.out());
    String id = info.path("id").asText();
    assertThat(info.path("format").asText()).isEqualTo("tsv");
    CliRunner.Result verify =
        CliRunner.run(
            "verify-snapshot", "-d", url, "--snapshot-dir", snaps.toString(), "--snapshot-id", id);
    assertThat(verify.exitCode()).as(verify.err()).isZero();
    CliRunner.Result list =
        CliRunner.run("list-snapshots", "-d", url, "--snapshot-dir", snaps.toString());
    assertThat(list.out()).contains(id);

    Database db = Database.open(pg, OpenMode.EXISTING);
    db.withConnection(
        c -> {
          io.expmgr.db.Dialect.execute(c, "DELETE FROM metric");
          return null;
        });
    CliRunner.Result restore =
        CliRunner.run(
            "restore-snapshot",
            "-d",
            url,
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id,
            "--yes");
    assertThat(restore.exitCode()).as(restore.err()).isZero();
    assertThat(counts()).isEqualTo(before);
    // The next row the tracker adds gets a free id: the identity followed the restored rows.
    long max = TestDatabases.scalar(db, "SELECT max(id) FROM experiment");
    db.withConnection(
        c -> {
          io.expmgr.db.Dialect.execute(
              c,
              "INSERT INTO experiment (title, start_time, update_time) VALUES ('new', now(),"
                  + " now())");
          return null;
        });
    assertThat(TestDatabases.scalar(db, "SELECT max(id) FROM experiment")).isEqualTo(max + 1);

    Path sqlite = dir.resolve("from-pg.db");
    CliRunner.Result intoSqlite =
        CliRunner.run(
            "restore-snapshot",
            "-d",
            sqlite.toString(),
            "--from-dir",
            snaps.toString(),
            "--snapshot-id",
            id,
            "--yes");
    assertThat(intoSqlite.exitCode()).as(intoSqlite.err()).isZero();
    assertThat(
            TestDatabases.counts(Database.open(ConnectionConfig.sqlite(sqlite), OpenMode.EXISTING)))
        .isEqualTo(before);

    MariaDbServer maria = MariaDbServer.get();
    ConnectionConfig my = maria.config(maria.newDatabaseName("frompg"));
    try {
      String myUrl =
          "mysql://"
              + MariaDbServer.APP_USER
              + ":"
              + MariaDbServer.APP_PASSWORD.replace("!", "%21")
              + "@"
              + maria.host()
              + ":"
              + maria.port()
              + "/"
              + my.database();
      CliRunner.Result intoMaria =
          CliRunner.run(
              "restore-snapshot",
              "-d",
              myUrl,
              "--from-dir",
              snaps.toString(),
              "--snapshot-id",
              id,
              "--yes");
      assertThat(intoMaria.exitCode()).as(intoMaria.err()).isZero();
      assertThat(TestDatabases.counts(Database.open(my, OpenMode.EXISTING))).isEqualTo(before);
    } finally {
      TestDatabases.dispose(my);
    }
  }

  @Test
  void experimentsTravelBetweenSqliteAndPostgres() throws Exception {
    Path export = dir.resolve("e1.json");
    CliRunner.Result e =
        CliRunner.run("export-experiment", "-d", url, "-e", "1", "-o", export.toString());
    assertThat(e.exitCode()).as(e.err()).isZero();
    Path sqlite = dir.resolve("copy.db");
    CliRunner.Result i =
        CliRunner.run("import-experiment", "-d", sqlite.toString(), "-i", export.toString());
    assertThat(i.exitCode()).as(i.err()).isZero();
    Map<String, Long> inSqlite =
        TestDatabases.counts(Database.open(ConnectionConfig.sqlite(sqlite), OpenMode.EXISTING));
    assertThat(inSqlite.get("EXPERIMENT")).isEqualTo(1);

    // Back the other way, with migrate-experiment --to a new PostgreSQL database.
    ConnectionConfig target = server.config(server.newDatabaseName("to"));
    try {
      CliRunner.Result m =
          CliRunner.run(
              "migrate-experiment",
              "-d",
              sqlite.toString(),
              "-e",
              "1",
              "--to",
              url(target.database()),
              "--no-snapshot");
      assertThat(m.exitCode()).as(m.err()).isZero();
      assertThat(TestDatabases.counts(Database.open(target, OpenMode.EXISTING)))
          .isEqualTo(inSqlite);
    } finally {
      TestDatabases.dispose(target);
    }
  }

  @Test
  void transformAndSchemaCommandsWork() throws Exception {
    Path rules = dir.resolve("scale.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}],\"global_settings\":{\"backup_original\":true}}");
    CliRunner.Result t =
        CliRunner.run(
            "transform-metrics",
            "-d",
            url,
            "--transformation-file",
            rules.toString(),
            "--snapshot-dir",
            snaps.toString());
    assertThat(t.exitCode()).as(t.err()).isZero();
    assertThat(t.out()).contains("run 1 completed");
    CliRunner.Result status = CliRunner.run("schema", "status", "-d", url, "--json");
    assertThat(status.exitCode()).as(status.err()).isZero();
    CliRunner.Result up =
        CliRunner.run("schema", "upgrade", "-d", url, "--snapshot-dir", snaps.toString());
    assertThat(up.exitCode()).as(up.err()).isZero();
    CliRunner.Result after = CliRunner.run("schema", "status", "-d", url, "--json");
    assertThat(JSON.readTree(after.out()).toString()).contains("2.1");
  }

  @Test
  void aWrongPasswordIsRefusedInOneLineAndTheTrackersLayoutWorks() {
    String wrong =
        "postgresql://"
            + PostgresServer.APP_USER
            + ":Wr0ng-pw@"
            + server.host()
            + ":"
            + server.port()
            + "/"
            + pg.database();
    CliRunner.Result r = CliRunner.run("validate", "-d", wrong);
    assertThat(r.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(r.err().strip()).startsWith("error: access denied").doesNotContain("\n");
    assertThat(r.err() + r.out()).doesNotContain("Wr0ng-pw");
    // The MariaDB server's port by mistake: said in words, not as an authentication type number.
    io.expmgr.support.MariaDbServer maria = io.expmgr.support.MariaDbServer.get();
    CliRunner.Result port =
        CliRunner.run(
            "validate",
            "-d",
            "postgresql://someone:pw@" + maria.host() + ":" + maria.port() + "/" + pg.database());
    assertThat(port.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(port.err().strip())
        .contains(maria.host() + ":" + maria.port())
        .contains("is it a PostgreSQL server?")
        .doesNotContain("\n");
    // The tracker's layout on PostgreSQL (a tracker's database restored here): generated in its
    // DDL, validated, upgraded to the latest schema, and given new rows with free ids.
    ConnectionConfig other = server.config(server.newDatabaseName("tracker"));
    try {
      String trackerUrl = url(other.database());
      CliRunner.Result tracker =
          CliRunner.run(
              "generate", "-d", trackerUrl, "--layout", "tracker-batch", "--batches", "1");
      assertThat(tracker.exitCode()).as(tracker.err()).isZero();
      CliRunner.Result status = CliRunner.run("schema", "status", "-d", trackerUrl);
      assertThat(status.out()).contains("Layout:    tracker");
      assertThat(CliRunner.run("validate", "-d", trackerUrl).exitCode()).isZero();
      CliRunner.Result up =
          CliRunner.run("schema", "upgrade", "-d", trackerUrl, "--snapshot-dir", snaps.toString());
      assertThat(up.exitCode()).as(up.err() + up.out()).isZero();
      Database db = Database.open(other, OpenMode.EXISTING);
      long max = TestDatabases.scalar(db, "SELECT max(id) FROM experiment");
      db.withConnection(
          c -> {
            io.expmgr.db.Dialect.execute(
                c,
                "INSERT INTO experiment (title, start_time, update_time) VALUES ('new', now(),"
                    + " now())");
            return null;
          });
      assertThat(TestDatabases.scalar(db, "SELECT max(id) FROM experiment")).isEqualTo(max + 1);
    } finally {
      TestDatabases.dispose(other);
    }
  }

  @Test
  void aReadOnlyAccountReadsAndIsRefusedWritesInOneLine() {
    String role = "reader_" + pg.database();
    server.admin("CREATE ROLE " + role + " LOGIN PASSWORD 'reader-Pw-1'");
    try {
      Database db = Database.open(pg, OpenMode.EXISTING);
      db.withConnection(
          c -> {
            io.expmgr.db.Dialect.execute(
                c, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
            return null;
          });
      String reader =
          "postgresql://"
              + role
              + ":reader-Pw-1@"
              + server.host()
              + ":"
              + server.port()
              + "/"
              + pg.database();
      assertThat(CliRunner.run("validate", "-d", reader).exitCode()).isZero();
      Map<String, Long> before = counts();
      CliRunner.Result write =
          CliRunner.run(
              "cleanup-orphans", "-d", reader, "--yes", "--snapshot-dir", snaps.toString());
      assertThat(write.exitCode()).isEqualTo(ExitCodes.PERMISSION);
      assertThat(write.err().strip()).startsWith("error:").contains("permission denied");
      assertThat(write.err().lines().filter(l -> l.startsWith("error:")).count()).isEqualTo(1);
      // The upgrade's trial needs a scratch database: the message names PostgreSQL's grant.
      CliRunner.Result upgrade =
          CliRunner.run("schema", "upgrade", "-d", reader, "--snapshot-dir", snaps.toString());
      assertThat(upgrade.exitCode()).as(upgrade.err()).isEqualTo(ExitCodes.PERMISSION);
      assertThat(upgrade.err())
          .contains("ALTER ROLE \"" + role + "\" CREATEDB")
          .contains("--no-trial")
          .doesNotContain("GRANT ALL");
      assertThat(counts()).isEqualTo(before);
    } finally {
      // Its grants live in the test's database: dropped first, then the role.
      TestDatabases.dispose(pg);
      server.admin("DROP ROLE IF EXISTS " + role);
    }
  }
}
