package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path generated(String name, int orphans, int bad) {
    Path db = dir.resolve(name);
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 3, 0, orphans, bad),
        false,
        ProgressListener.NONE);
    return db;
  }

  private static Map<String, Long> counts(Path db) {
    return TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING));
  }

  @Test
  void aCleanDatabasePassesAndTheReportLandsInNewFolders() throws Exception {
    Path db = generated("clean.db", 0, 0);
    Path report = dir.resolve("reports/weekly/validation.json");
    CliRunner.Result r = CliRunner.run("validate", "-d", db.toString(), "-o", report.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("PASS").contains("Report written to");
    JsonNode json = JSON.readTree(report.toFile());
    assertThat(json.path("summary").path("overall_status").asText()).isEqualTo("PASS");
    assertThat(json.path("foreign_key_violations").size()).isZero();
    assertThat(json.path("database").path("schema_version").asText()).isEqualTo("1.0");
    try (var files = Files.list(report.getParent())) {
      assertThat(files).containsExactly(report);
    }
  }

  @Test
  void plantedProblemsFailWithExitOneAndTheKeysTheFaqScriptsRead() throws Exception {
    Path db = generated("broken.db", 8, 5);
    long logBefore = Files.exists(LogSetup.logFile()) ? Files.size(LogSetup.logFile()) : 0;
    CliRunner.Result r = CliRunner.run("validate", "-d", db.toString(), "--json");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.VALIDATION_FAILED);
    JsonNode json = JSON.readTree(r.out());
    assertThat(json.path("summary").path("overall_status").asText()).isEqualTo("FAIL");
    JsonNode fk = json.path("foreign_key_violations");
    assertThat(fk.size()).isEqualTo(8);
    assertThat(fk.path("EPOCH_METRIC").path("count").asLong()).isEqualTo(1);
    assertThat(json.path("per_label_val").path("invalid_json").asLong()).isEqualTo(1);
    assertThat(json.path("checks")).hasSize(4);
    // A failed validation is a finding, not an error of the tool.
    String log = Files.readString(LogSetup.logFile());
    assertThat(log.substring((int) Math.min(logBefore, log.length()))).doesNotContain("ERROR");
  }

  @Test
  void badInputsChangeNothingAndSaySo() throws Exception {
    Path missing = dir.resolve("missing.db");
    CliRunner.Result r =
        CliRunner.run(
            "validate", "-d", missing.toString(), "-o", dir.resolve("out/r.json").toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(r.err()).contains("does not exist");
    assertThat(missing).doesNotExist();
    assertThat(dir.resolve("out")).doesNotExist();

    Path foreign = dir.resolve("foreign.db");
    Database other = Database.open(ConnectionConfig.sqlite(foreign), OpenMode.CREATE);
    other.withConnection(
        c -> {
          Dialect.execute(c, "CREATE TABLE notes (id INTEGER PRIMARY KEY)");
          return null;
        });
    CliRunner.Result noTables = CliRunner.run("validate", "-d", foreign.toString());
    assertThat(noTables.exitCode()).isEqualTo(ExitCodes.SCHEMA);
    assertThat(noTables.err()).contains("none of the experiment tables");

    Path db = generated("ok.db", 0, 0);
    Path aFile = Files.writeString(dir.resolve("a-file"), "x");
    CliRunner.Result unwritable =
        CliRunner.run("validate", "-d", db.toString(), "-o", aFile.resolve("r.json").toString());
    assertThat(unwritable.exitCode()).isEqualTo(ExitCodes.FILE_SYSTEM);
    assertThat(unwritable.err()).startsWith("error: cannot write " + aFile.resolve("r.json"));
    assertThat(unwritable.out()).isEmpty();

    CliRunner.Result unknown = CliRunner.run("check-hierarchy", "-d", db.toString(), "-e", "999");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(unknown.err()).contains("experiment 999 does not exist");
    CliRunner.Result notANumber =
        CliRunner.run("check-hierarchy", "-d", db.toString(), "-e", "abc");
    assertThat(notANumber.exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void checkHierarchyOfOneExperiment() throws Exception {
    Path db = generated("h.db", 0, 0);
    CliRunner.Result r = CliRunner.run("check-hierarchy", "-d", db.toString(), "-e", "2", "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = JSON.readTree(r.out());
    assertThat(json.path("experiment_id").asLong()).isEqualTo(2);
    assertThat(json.path("hierarchy").path("status").asText()).isEqualTo("PASS");
    assertThat(json.path("checks")).hasSize(1);
  }

  @Test
  void cleanupAsksFirstAndSnapshotsBeforeDeleting() throws Exception {
    Path db = generated("c.db", 8, 0);
    Path snapshots = dir.resolve("snaps");
    Map<String, Long> before = counts(db);

    CliRunner.Result dry = CliRunner.run("cleanup-orphans", "-d", db.toString(), "--dry-run");
    assertThat(dry.exitCode()).isZero();
    assertThat(dry.out()).contains("Would remove 8 rows").contains("Dry run: nothing was changed.");
    assertThat(counts(db)).isEqualTo(before);

    CliRunner.Result no =
        CliRunner.runWithInput(
            "n\n", "cleanup-orphans", "-d", db.toString(), "--snapshot-dir", snapshots.toString());
    assertThat(no.exitCode()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(no.out())
        .contains("Would remove 8 rows")
        .doesNotContain("Dry run")
        .contains("Cancelled; nothing was changed.");
    assertThat(counts(db)).isEqualTo(before);
    assertThat(snapshots).doesNotExist();

    CliRunner.Result yes =
        CliRunner.runWithInput(
            "y\n", "cleanup-orphans", "-d", db.toString(), "--snapshot-dir", snapshots.toString());
    assertThat(yes.exitCode()).as(yes.err()).isZero();
    assertThat(yes.out()).contains("Safety snapshot").contains("Removed 8 rows");
    assertThat(counts(db).values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(before.values().stream().mapToLong(Long::longValue).sum() - 8);

    CliRunner.Result list =
        CliRunner.run(
            "list-snapshots",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snapshots.toString(),
            "--json");
    JsonNode listed = JSON.readTree(list.out());
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).path("tags").get(0).asText()).isEqualTo("safety");
    assertThat(listed.get(0).path("row_counts").path("TRIAL").asLong())
        .isEqualTo(before.get("TRIAL"));

    CliRunner.Result again = CliRunner.run("cleanup-orphans", "-d", db.toString(), "--yes");
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).contains("No orphans");
    assertThat(CliRunner.run("validate", "-d", db.toString()).exitCode()).isZero();
  }

  @Test
  void snapshotsAreCreatedAndListedNewestFirst() throws Exception {
    Path db = generated("s.db", 0, 0);
    Path snaps = dir.resolve("snaps");
    CliRunner.Result first =
        CliRunner.run(
            "create-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--description",
            "first",
            "--tag",
            "milestone",
            "--json");
    assertThat(first.exitCode()).as(first.err()).isZero();
    CliRunner.Result second =
        CliRunner.run(
            "create-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--description",
            "second");
    assertThat(second.exitCode()).isZero();
    JsonNode list =
        JSON.readTree(
            CliRunner.run(
                    "list-snapshots",
                    "-d",
                    db.toString(),
                    "--snapshot-dir",
                    snaps.toString(),
                    "--json")
                .out());
    assertThat(list).hasSize(2);
    assertThat(list.get(0).path("description").asText()).isEqualTo("second");
    assertThat(list.get(1).path("tags").get(0).asText()).isEqualTo("milestone");
    assertThat(
            Files.getPosixFilePermissions(
                Path.of(list.get(0).path("path").asText()).resolve("data.db")))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

    // A damaged entry is shown, not hidden, and not fatal.
    Files.writeString(
        Path.of(list.get(1).path("path").asText()).resolve("manifest.json"), "{ broken");
    CliRunner.Result human =
        CliRunner.run("list-snapshots", "-d", db.toString(), "--snapshot-dir", snaps.toString());
    assertThat(human.exitCode()).isZero();
    assertThat(human.out()).contains("DAMAGED: manifest is unreadable").contains("second");

    CliRunner.Result badTag =
        CliRunner.run(
            "create-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--tag",
            "no spaces");
    assertThat(badTag.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(badTag.err()).contains("--tag");
  }

  @Test
  void validatesAndCleansMariaDbFromTheCommandLine() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig config = server.config(server.newDatabaseName("clival"));
    try {
      DataGenerator.generate(
          config,
          new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 3, 0, 8, 3),
          false,
          ProgressListener.NONE);
      List<String> conn =
          List.of(
              "-d",
              config.database(),
              "--mysql",
              "--host",
              server.host(),
              "--port",
              String.valueOf(server.port()),
              "--user",
              MariaDbServer.APP_USER,
              "--password",
              MariaDbServer.APP_PASSWORD);
      CliRunner.Result r = CliRunner.run(concat(List.of("validate", "--json"), conn));
      assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.VALIDATION_FAILED);
      JsonNode json = JSON.readTree(r.out());
      assertThat(json.path("foreign_key_violations").size()).isEqualTo(8);
      assertThat(json.path("database").path("engine").asText()).isEqualTo("mysql");
      assertThat(r.out()).doesNotContain(MariaDbServer.APP_PASSWORD);

      CliRunner.Result clean =
          CliRunner.run(
              concat(
                  List.of(
                      "cleanup-orphans", "--yes", "--snapshot-dir", dir.resolve("ms").toString()),
                  conn));
      assertThat(clean.exitCode()).as(clean.err()).isZero();
      assertThat(clean.out()).contains("Removed 8 rows");
      JsonNode after =
          JSON.readTree(CliRunner.run(concat(List.of("validate", "--json"), conn)).out());
      assertThat(after.path("foreign_key_violations").size()).isZero();
    } finally {
      TestDatabases.dispose(config);
    }
  }

  private static String[] concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
  }
}
