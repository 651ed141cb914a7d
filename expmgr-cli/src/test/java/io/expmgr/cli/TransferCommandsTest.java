package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export-experiment and import-experiment as a user runs them: exit codes, messages, files. */
class TransferCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path generated() {
    Path db = dir.resolve("research.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 9, 0, 0, 0),
        false,
        ProgressListener.NONE);
    return db;
  }

  private static long experiments(Path db) {
    return TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING))
        .get("EXPERIMENT");
  }

  @Test
  void theFaqMigrationBetweenDatabasesWorksAsWritten() throws Exception {
    Path db = generated();
    Path file = dir.resolve("experiment_export.json");
    CliRunner.Result ex =
        CliRunner.run(
            "export-experiment",
            "-d",
            db.toString(),
            "-e",
            "1",
            "-o",
            file.toString(),
            "--include-metrics",
            "--include-artifacts");
    assertThat(ex.exitCode()).as(ex.err()).isZero();
    assertThat(ex.out()).contains("Exported experiment 1", "rows");
    Path target = dir.resolve("production.db");
    CliRunner.Result im =
        CliRunner.run("import-experiment", "-d", target.toString(), "-i", file.toString());
    assertThat(im.exitCode()).as(im.err()).isZero();
    assertThat(im.out()).contains("as experiment 1 of sqlite:" + target);
    assertThat(experiments(target)).isEqualTo(1);

    Path snaps = dir.resolve("snaps");
    CliRunner.Result again =
        CliRunner.run(
            "import-experiment",
            "-d",
            target.toString(),
            "-i",
            file.toString(),
            "--snapshot-dir",
            snaps.toString());
    assertThat(again.exitCode()).isEqualTo(ExitCodes.CONFLICT);
    assertThat(again.err()).contains("already imported", "as experiment 1", "--allow-duplicate");
    assertThat(again.err().lines().count()).isEqualTo(1);
    assertThat(snaps).doesNotExist(); // refused before the safety snapshot
    assertThat(experiments(target)).isEqualTo(1);

    CliRunner.Result dup =
        CliRunner.run(
            "import-experiment",
            "-d",
            target.toString(),
            "-i",
            file.toString(),
            "--allow-duplicate",
            "--snapshot-dir",
            snaps.toString(),
            "--json");
    assertThat(dup.exitCode()).as(dup.err()).isZero();
    assertThat(JSON.readTree(dup.out()).path("experiment_id").asLong()).isEqualTo(2);
    try (Stream<Path> s = Files.list(snaps)) {
      assertThat(s.count()).isEqualTo(1); // the safety snapshot of a target that had data
    }
  }

  @Test
  void aTextValueOverJacksonsTwentyMegabyteDefaultTravels() throws Exception {
    Path db = generated();
    String big = "x".repeat(21 * 1024 * 1024);
    io.expmgr.db.Database d =
        io.expmgr.db.Database.open(ConnectionConfig.sqlite(db), io.expmgr.db.OpenMode.EXISTING);
    d.withConnection(
        c -> {
          try (var ps = c.prepareStatement("UPDATE EXPERIMENT SET title = ? WHERE id = 1")) {
            ps.setString(1, big);
            ps.executeUpdate();
          }
          return null;
        });
    Path file = dir.resolve("big.json");
    CliRunner.Result out =
        CliRunner.run("export-experiment", "-d", db.toString(), "-e", "1", "-o", file.toString());
    assertThat(out.exitCode()).as(out.err()).isZero();
    Path into = dir.resolve("into.db");
    CliRunner.Result in =
        CliRunner.run("import-experiment", "-d", into.toString(), "-i", file.toString());
    assertThat(in.exitCode()).as(in.err()).isZero();
    io.expmgr.db.Database target =
        io.expmgr.db.Database.open(ConnectionConfig.sqlite(into), io.expmgr.db.OpenMode.EXISTING);
    long length =
        target.withConnection(
            c -> {
              try (var st = c.createStatement();
                  var rs = st.executeQuery("SELECT length(title) FROM EXPERIMENT")) {
                rs.next();
                return rs.getLong(1);
              }
            });
    assertThat(length).isEqualTo(big.length());
  }

  @Test
  void exportToStandardOutputAndImportFromStandardInput() throws Exception {
    Path db = generated();
    CliRunner.Result ex =
        CliRunner.run(
            "export-experiment", "-d", db.toString(), "-e", "2", "-o", "-", "--include-metrics");
    // In-process, System.out is not captured by the runner; the summary is not on stdout.
    assertThat(ex.exitCode()).as(ex.err()).isZero();
    Path file = dir.resolve("e2.json");
    CliRunner.Result toFile =
        CliRunner.run(
            "export-experiment",
            "-d",
            db.toString(),
            "-e",
            "2",
            "-o",
            file.toString(),
            "--include-metrics",
            "--json");
    JsonNode summary = JSON.readTree(toFile.out());
    assertThat(summary.path("counts").path("metrics").asLong()).isEqualTo(2 * 2 * 4 * 2);
    Path target = dir.resolve("t.db");
    CliRunner.Result im =
        CliRunner.runWithInput(
            Files.readString(file),
            "import-experiment",
            "-d",
            target.toString(),
            "-i",
            "-",
            "--json");
    assertThat(im.exitCode()).as(im.err()).isZero();
    assertThat(JSON.readTree(im.out()).path("source_experiment_id").asLong()).isEqualTo(2);
  }

  @Test
  void badInputGetsOneLineAnExitCodeAndChangesNothing() throws Exception {
    Path db = generated();
    CliRunner.Result noExp =
        CliRunner.run(
            "export-experiment",
            "-d",
            db.toString(),
            "-e",
            "99",
            "-o",
            dir.resolve("x.json").toString());
    assertThat(noExp.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(noExp.err()).contains("experiment 99 does not exist");
    assertThat(dir.resolve("x.json")).doesNotExist();

    CliRunner.Result noFile =
        CliRunner.run(
            "import-experiment", "-d", db.toString(), "-i", dir.resolve("missing.json").toString());
    assertThat(noFile.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(noFile.err()).contains("does not exist");

    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"format_version\": 1, \"metadata\": {");
    Path fresh = dir.resolve("fresh.db");
    CliRunner.Result malformed =
        CliRunner.run("import-experiment", "-d", fresh.toString(), "-i", bad.toString());
    assertThat(malformed.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(malformed.err()).startsWith("error: ").contains("ends early");
    assertThat(malformed.err().lines().count()).isEqualTo(1);
    assertThat(fresh).doesNotExist(); // the database it would have created is gone again

    CliRunner.Result badId =
        CliRunner.run("export-experiment", "-d", db.toString(), "-e", "abc", "-o", "x");
    assertThat(badId.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(experiments(db)).isEqualTo(2);
  }

  @Test
  void anImportDryRunChecksEverythingAndChangesNothingOnSqliteAndMariaDb() throws Exception {
    Path db = generated();
    Path file = dir.resolve("e1.json");
    assertThat(
            CliRunner.run(
                    "export-experiment",
                    "-d",
                    db.toString(),
                    "-e",
                    "1",
                    "-o",
                    file.toString(),
                    "--include-metrics")
                .exitCode())
        .isZero();
    io.expmgr.support.MariaDbServer server = io.expmgr.support.MariaDbServer.get();
    ConnectionConfig maria = server.newDatabase("dryimport");
    try {
      DataGenerator.generate(
          maria,
          new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 4, 0, 0, 0),
          false,
          ProgressListener.NONE);
      for (ConnectionConfig target : java.util.List.of(ConnectionConfig.sqlite(db), maria)) {
        String[] where =
            target.engine() == io.expmgr.db.Engine.SQLITE
                ? new String[] {"-d", db.toString()}
                : new String[] {
                  "-d",
                  "mysql://"
                      + io.expmgr.support.MariaDbServer.APP_USER
                      + ":"
                      + java.net.URLEncoder.encode(
                          io.expmgr.support.MariaDbServer.APP_PASSWORD,
                          java.nio.charset.StandardCharsets.UTF_8)
                      + "@"
                      + target.host()
                      + ":"
                      + target.port()
                      + "/"
                      + target.database()
                };
        var before = TestDatabases.content(Database.open(target, OpenMode.EXISTING));
        java.util.List<String> args =
            new java.util.ArrayList<>(java.util.List.of("import-experiment"));
        args.addAll(java.util.List.of(where));
        args.addAll(java.util.List.of("-i", file.toString()));
        args.add("--dry-run");
        CliRunner.Result dry = CliRunner.run(args.toArray(String[]::new));
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("Dry run (nothing was changed): would import");
        assertThat(TestDatabases.content(Database.open(target, OpenMode.EXISTING)))
            .isEqualTo(before);
        // It recorded nothing either: the real import is not taken for a repeat.
        args.remove("--dry-run");
        CliRunner.Result real = CliRunner.run(args.toArray(String[]::new));
        assertThat(real.exitCode()).as(real.err()).isZero();
        assertThat(TestDatabases.content(Database.open(target, OpenMode.EXISTING)))
            .isNotEqualTo(before);
      }
    } finally {
      server.dropDatabase(maria.database());
    }
  }
}
