package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
  @TempDir Path dir;

  private static final List<String> PRODUCT_COMMANDS =
      List.of(
          "validate",
          "check-hierarchy",
          "cleanup-orphans",
          "create-snapshot",
          "list-snapshots",
          "verify-snapshot",
          "delete-snapshot",
          "restore-snapshot",
          "prune-snapshots",
          "export-experiment",
          "import-experiment",
          "migrate-experiment",
          "transform-metrics",
          "create-transformation-template",
          "schema",
          "generate",
          "demo");

  @Test
  void helpListsEveryCommandOfTheProduct() {
    CliRunner.Result r = CliRunner.run("--help");
    assertThat(r.exitCode()).isZero();
    for (String command : PRODUCT_COMMANDS) {
      assertThat(r.out()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
    }
    assertThat(r.out()).contains("Exit codes");
  }

  @Test
  void versionIsPrinted() {
    CliRunner.Result r = CliRunner.run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("expmgr ");
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    CliRunner.Result r = CliRunner.run("generat", "-d", "x.db");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("generate");
  }

  @Test
  void aMisspeltOptionIsAUsageErrorWithASuggestion() {
    Path db = dir.resolve("x.db");
    CliRunner.Result r = CliRunner.run("generate", "-d", db.toString(), "--experiment", "3");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--experiment").contains("--experiments");
    assertThat(db).doesNotExist();
  }

  @Test
  void aMissingDatabaseOptionIsAUsageError() {
    CliRunner.Result r = CliRunner.run("generate");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--database");
  }

  @Test
  void generatesIntoANewSqliteFileAndReportsAsJson() throws Exception {
    Path db = dir.resolve("g.db");
    CliRunner.Result r =
        CliRunner.run(
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "2",
            "--trials",
            "2",
            "--runs",
            "1",
            "--epochs",
            "3",
            "--metrics",
            "2",
            "--orphans",
            "8",
            "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("rows_per_table").get("EPOCH").asLong()).isEqualTo(2 * 2 * 3 + 1);
    assertThat(json.get("planted_orphans").get("EPOCH").asLong()).isEqualTo(1);
    assertThat(json.get("experiment_ids")).hasSize(2);
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    assertThat(TestDatabases.counts(d).get("EPOCH")).isEqualTo(13);
  }

  @Test
  void generatingTwiceWithoutAppendChangesNothing() throws Exception {
    Path db = dir.resolve("g.db");
    assertThat(CliRunner.run("generate", "-d", db.toString(), "--epochs", "2").exitCode()).isZero();
    Map<String, Long> before =
        TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING));
    CliRunner.Result r = CliRunner.run("generate", "-d", db.toString(), "--epochs", "2");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("already has 2 experiments").contains("--append");
    assertThat(TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING)))
        .isEqualTo(before);
  }

  @Test
  void aFileThatIsNotSqliteIsRefusedAndLeftAlone() throws Exception {
    Path notes = Files.writeString(dir.resolve("notes.txt"), "my notes\n");
    CliRunner.Result r = CliRunner.run("generate", "-d", notes.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(r.err().strip())
        .isEqualTo("error: " + notes + " is not a SQLite database (its header is wrong)");
    assertThat(Files.readString(notes)).isEqualTo("my notes\n");
  }

  @Test
  void aMissingFolderIsNamed() {
    Path db = dir.resolve("no/such/folder/x.db");
    CliRunner.Result r = CliRunner.run("generate", "-d", db.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(r.err()).contains("folder " + db.getParent() + " does not exist");
  }

  @Test
  void badCountsNameTheOptionAndWriteNothing() {
    Path db = dir.resolve("x.db");
    CliRunner.Result r = CliRunner.run("generate", "-d", db.toString(), "--experiments", "0");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err().strip())
        .isEqualTo("error: --experiments must be between 1 and 100000000, got 0");
    assertThat(db).doesNotExist();
    CliRunner.Result notANumber = CliRunner.run("generate", "-d", db.toString(), "--epochs", "ten");
    assertThat(notANumber.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(notANumber.err()).contains("--epochs").contains("ten");
  }

  @Test
  void mysqlOptionsWithoutMysqlAreCaught() {
    CliRunner.Result r = CliRunner.run("generate", "-d", "prod", "--host", "db.example.com");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("--host is for server databases: add --mysql");
    CliRunner.Result ssl = CliRunner.run("generate", "-d", "prod", "--ssl-mode", "required");
    assertThat(ssl.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(ssl.err()).contains("--ssl-mode is for server databases");
    CliRunner.Result typo =
        CliRunner.run(
            "validate", "-d", "prod", "--mysql", "--host", "127.0.0.1", "--ssl-mode", "on");
    assertThat(typo.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(typo.err().strip().lines().findFirst().orElse(""))
        .contains("--ssl-mode must be one of");
    CliRunner.Result both = CliRunner.run("generate", "-d", "prod", "--sqlite", "--mysql");
    assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(both.err()).contains("--sqlite and --mysql exclude each other");
    assertThat(dir.resolve("prod")).doesNotExist();
    assertThat(Path.of("prod")).doesNotExist();
  }

  @Test
  void aWrongPasswordIsOneLineAndNeverPrintedOrLogged() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    String secret = "Wr0ng-passw0rd-xyz";
    CliRunner.Result r =
        CliRunner.run(
            "generate",
            "-d",
            "anything",
            "--mysql",
            "--host",
            server.host(),
            "--port",
            String.valueOf(server.port()),
            "--user",
            MariaDbServer.APP_USER,
            "--password",
            secret);
    assertThat(r.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(r.err().strip()).startsWith("error: access denied").doesNotContain("\n");
    assertThat(r.err() + r.out()).doesNotContain(secret);
    Path log = LogSetup.logFile();
    assertThat(log).isNotNull();
    String logged = Files.readString(log);
    assertThat(logged).contains("ERROR").contains("access denied").doesNotContain(secret);
  }

  @Test
  void thePasswordPromptReadsWithoutEchoFromStandardInput() {
    MariaDbServer server = MariaDbServer.get();
    String secret = "Typed-at-the-prompt-1";
    CliRunner.Result r =
        CliRunner.runWithInput(
            secret + "\n",
            "generate",
            "-d",
            "anything",
            "--mysql",
            "--host",
            server.host(),
            "--port",
            String.valueOf(server.port()),
            "--user",
            MariaDbServer.APP_USER,
            "--password");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(r.err()).contains("access denied").doesNotContain(secret);
    assertThat(r.out()).doesNotContain(secret);
  }

  @Test
  void generatesIntoMariaDbWithThePassword() {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig config = server.config(server.newDatabaseName("cli"));
    try {
      CliRunner.Result r =
          CliRunner.run(
              "generate",
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
              MariaDbServer.APP_PASSWORD,
              "--experiments",
              "1",
              "--epochs",
              "2");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out())
          .contains("mysql://" + MariaDbServer.APP_USER + "@")
          .doesNotContain(MariaDbServer.APP_PASSWORD);
      assertThat(TestDatabases.counts(Database.open(config, OpenMode.EXISTING)).get("TRIAL"))
          .isEqualTo(3);
    } finally {
      TestDatabases.dispose(config);
    }
  }

  @Test
  void verboseShowsTheStackTrace() {
    Path notes = dir.resolve("missing-folder/x.db");
    CliRunner.Result quiet = CliRunner.run("generate", "-d", notes.toString());
    assertThat(quiet.err()).doesNotContain("\tat ");
    CliRunner.Result verbose = CliRunner.run("generate", "--verbose", "-d", notes.toString());
    assertThat(verbose.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(verbose.err()).contains("\tat io.expmgr.");
  }

  @Test
  void theDemoLeavesADatabaseToInspect() throws Exception {
    Path demo = dir.resolve("demo");
    CliRunner.Result r = CliRunner.run("demo", "--dir", demo.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("== 1.")
        .contains("== 10. Your turn")
        .contains("rewritten as per-label objects")
        .contains("experiment 2 copied into experiment 5")
        .contains("every count and the checksum verified")
        .contains("2.0: add column METRIC.metadata")
        .contains(demo.resolve("experiments.db").toString());
    Database d =
        Database.open(ConnectionConfig.sqlite(demo.resolve("experiments.db")), OpenMode.EXISTING);
    Map<String, Long> counts = TestDatabases.counts(d);
    // 3 generated, 1 made through the API, 1 copied by migrate-experiment
    assertThat(counts.get("EXPERIMENT")).isEqualTo(5);
    assertThat(r.out()).contains("FAIL").contains("removed 8 rows").contains("safety snapshot");
    // The validation also as a page, with the command that fixes what it found.
    assertThat(java.nio.file.Files.readString(demo.resolve("validation.html")))
        .contains("expmgr cleanup-orphans -d " + demo.resolve("experiments.db"));
    // The demo cleaned the planted orphans: every foreign key holds now.
    assertThat(TestDatabases.foreignKeyViolations(d)).isEmpty();
    // Running it again starts over instead of piling up.
    assertThat(CliRunner.run("demo", "--dir", demo.toString()).exitCode()).isZero();
    assertThat(TestDatabases.counts(d).get("EXPERIMENT")).isEqualTo(5);
    Database copy =
        Database.open(ConnectionConfig.sqlite(demo.resolve("copy.db")), OpenMode.EXISTING);
    assertThat(TestDatabases.counts(copy).get("EXPERIMENT")).isEqualTo(1);
    try (var snaps = java.nio.file.Files.list(demo.resolve("snapshots"))) {
      assertThat(snaps.count()).isEqualTo(2); // before cleanup-orphans, before transform-metrics
    }
  }

  @Test
  void quietPrintsOnlyWhatWasAskedForAndOutputFilesAreNotReplacedWithoutOverwrite()
      throws Exception {
    Path db = dir.resolve("q.db");
    assertThat(CliRunner.run("generate", "-d", db.toString(), "--experiments", "1").exitCode())
        .isZero();
    CliRunner.Result quiet = CliRunner.run("validate", "-d", db.toString(), "-q");
    assertThat(quiet.exitCode()).isZero();
    assertThat(quiet.out()).isEmpty();
    CliRunner.Result quietJson = CliRunner.run("validate", "-d", db.toString(), "-q", "--json");
    assertThat(quietJson.out()).contains("overall_status");
    CliRunner.Result template = CliRunner.run("create-transformation-template", "--quiet");
    assertThat(template.out()).contains("metric_transformations");

    Path report = dir.resolve("report.json");
    java.nio.file.Files.writeString(report, "kept");
    CliRunner.Result refused =
        CliRunner.run("validate", "-d", db.toString(), "-o", report.toString());
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(refused.err()).contains("already exists", "--overwrite");
    assertThat(java.nio.file.Files.readString(report)).isEqualTo("kept");
    Path export = dir.resolve("e.json");
    java.nio.file.Files.writeString(export, "kept");
    CliRunner.Result exp =
        CliRunner.run("export-experiment", "-d", db.toString(), "-e", "1", "-o", export.toString());
    assertThat(exp.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(java.nio.file.Files.readString(export)).isEqualTo("kept");
    CliRunner.Result replaced =
        CliRunner.run(
            "validate", "-d", db.toString(), "-o", report.toString(), "--overwrite", "-q");
    assertThat(replaced.exitCode()).isZero();
    assertThat(java.nio.file.Files.readString(report)).contains("overall_status");
  }
}
