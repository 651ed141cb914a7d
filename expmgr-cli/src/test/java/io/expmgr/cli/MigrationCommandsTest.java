package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * transform-metrics, migrate-experiment, list-migrations and rollback-transform as users run them.
 */
class MigrationCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private Path db;
  private Path rules;

  @BeforeEach
  void setUp() throws Exception {
    db = dir.resolve("exp.db");
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "2",
            "--trials",
            "2",
            "--runs",
            "2",
            "--epochs",
            "5",
            "--metrics",
            "3");
    assertThat(g.exitCode()).as(g.err()).isZero();
    rules = dir.resolve("scale.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}],\"global_settings\":{\"backup_original\":true}}");
  }

  private byte[] bytes() throws Exception {
    return Files.readAllBytes(db);
  }

  @Test
  void aTypoInTheRulesFileIsRefusedWithTheFieldAndNothingChanges() throws Exception {
    Path typo = dir.resolve("typo.json");
    Files.writeString(
        typo,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scael\","
            + "\"rules\":{\"factor\":0.5}}]}");
    byte[] before = bytes();
    CliRunner.Result r =
        CliRunner.run(
            "transform-metrics", "-d", db.toString(), "--transformation-file", typo.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("$.metric_transformations[0].transformation", "'scale'");
    assertThat(r.err().strip().lines()).hasSizeLessThanOrEqualTo(2);
    assertThat(bytes()).isEqualTo(before);

    Files.writeString(typo, "{\"metric_transformations\": [");
    CliRunner.Result broken =
        CliRunner.run(
            "transform-metrics", "-d", db.toString(), "--transformation-file", typo.toString());
    assertThat(broken.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(bytes()).isEqualTo(before);

    CliRunner.Result missing =
        CliRunner.run(
            "transform-metrics", "-d", db.toString(), "--transformation-file", "nope.json");
    assertThat(missing.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    CliRunner.Result noRules = CliRunner.run("transform-metrics", "-d", db.toString());
    assertThat(noRules.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(noRules.err()).contains("--transformation-file");
    CliRunner.Result badBatch =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            rules.toString(),
            "--batch-size",
            "0");
    assertThat(badBatch.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    CliRunner.Result badStrategy =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            rules.toString(),
            "--strategy",
            "fast");
    assertThat(badStrategy.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(badStrategy.err()).contains("conservative, balanced or aggressive");
    assertThat(bytes()).isEqualTo(before);
  }

  @Test
  void transformReportsRefusesARepeatAndRollsBack() throws Exception {
    Path report = dir.resolve("report.json");
    CliRunner.Result dry =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            rules.toString(),
            "--dry-run");
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("Nothing was written");

    CliRunner.Result r =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            rules.toString(),
            "--report",
            report.toString(),
            "--no-snapshot");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("run 1 completed");
    JsonNode rep = JSON.readTree(report.toFile());
    assertThat(rep.get("items_processed").asLong()).isPositive();
    assertThat(rep.get("items_changed").asLong()).isEqualTo(rep.get("items_processed").asLong());
    assertThat(rep.get("batch_ms").get("each").size()).isEqualTo(rep.get("batches").asInt());
    assertThat(rep.get("peak_heap_bytes").asLong()).isPositive();

    CliRunner.Result again =
        CliRunner.run(
            "transform-metrics", "-d", db.toString(), "--transformation-file", rules.toString());
    assertThat(again.exitCode()).isEqualTo(ExitCodes.CONFLICT);
    assertThat(again.err()).contains("already did this", "--force");

    CliRunner.Result list = CliRunner.run("list-migrations", "-d", db.toString(), "--json");
    assertThat(list.exitCode()).isZero();
    JsonNode runs = JSON.readTree(list.out());
    assertThat(runs.get(0).get("state").asText()).isEqualTo("completed");
    assertThat(runs.get(0).get("params").get("strategy").asText()).isEqualTo("balanced");

    CliRunner.Result wrongId =
        CliRunner.run("rollback-transform", "-d", db.toString(), "--run-id", "7");
    assertThat(wrongId.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    CliRunner.Result dryBack =
        CliRunner.run("rollback-transform", "-d", db.toString(), "--run-id", "1", "--dry-run");
    assertThat(dryBack.exitCode()).as(dryBack.err()).isZero();
    assertThat(dryBack.out()).contains("Dry run").contains("Nothing was changed");
    CliRunner.Result unanswered =
        CliRunner.run("rollback-transform", "-d", db.toString(), "--run-id", "1", "--no-snapshot");
    assertThat(unanswered.exitCode()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(CliRunner.run("list-migrations", "-d", db.toString()).out())
        .doesNotContain("rolled back");
    CliRunner.Result back =
        CliRunner.runWithInput(
            "y\n", "rollback-transform", "-d", db.toString(), "--run-id", "1", "--no-snapshot");
    assertThat(back.exitCode()).as(back.err()).isZero();
    assertThat(back.out()).contains("rolled back");
    CliRunner.Result table = CliRunner.run("list-migrations", "-d", db.toString());
    assertThat(table.out()).contains("rolled back");
  }

  @Test
  void aRollbackThatCannotGoAheadIsRefusedBeforeTheQuestion() throws Exception {
    Path noBackup = dir.resolve("no-backup.json");
    Files.writeString(
        noBackup,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":2}}]}");
    CliRunner.Result run =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            noBackup.toString(),
            "--no-snapshot");
    assertThat(run.exitCode()).as(run.err()).isZero();
    byte[] after = bytes();
    for (String[] extra : new String[][] {{}, {"--dry-run"}}) {
      String[] args = new String[] {"rollback-transform", "-d", db.toString(), "--run-id", "1"};
      String[] all =
          java.util.stream.Stream.concat(
                  java.util.Arrays.stream(args), java.util.Arrays.stream(extra))
              .toArray(String[]::new);
      CliRunner.Result back = CliRunner.runWithInput("y\n", all);
      assertThat(back.exitCode()).as(back.err()).isEqualTo(ExitCodes.CONFLICT);
      assertThat(back.err()).contains("kept no originals", "backup_original");
      assertThat(back.out()).doesNotContain("[y/N]").doesNotContain("Put back");
    }
    assertThat(bytes()).isEqualTo(after);
  }

  @Test
  void anIdWithoutItsOptionIsAnsweredWithTheOptionsThatTakeOne() throws Exception {
    byte[] before = bytes();
    CliRunner.Result r = CliRunner.run("migrate-experiment", "-d", db.toString(), "1");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .contains("'1'")
        .contains("-e/--experiment-id ID, -t/--target-experiment ID")
        .doesNotContain("--source-experiment");
    CliRunner.Result snap =
        CliRunner.run("delete-snapshot", "-d", db.toString(), "20261201_080202");
    assertThat(snap.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(snap.err()).contains("--snapshot-id");
    // Not every stray word is an id.
    CliRunner.Result word = CliRunner.run("migrate-experiment", "-d", db.toString(), "now");
    assertThat(word.err()).doesNotContain("An id goes");
    assertThat(bytes()).isEqualTo(before);
  }

  @Test
  void migrateIntoANewFileAndRefuseBadTargets() throws Exception {
    Path copy = dir.resolve("copy.db");
    CliRunner.Result r =
        CliRunner.run(
            "migrate-experiment",
            "-d",
            db.toString(),
            "-s",
            "2",
            "--to",
            "sqlite:" + copy,
            "--strategy",
            "aggressive",
            "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode out = JSON.readTree(r.out());
    assertThat(out.get("outcome").asText()).isEqualTo("completed");
    assertThat(out.get("new_experiment_id").asLong()).isEqualTo(1);
    assertThat(out.get("rows").get("METRIC").asLong()).isPositive();
    assertThat(copy).exists();
    CliRunner.Result valid = CliRunner.run("validate", "-d", copy.toString());
    assertThat(valid.exitCode()).as(valid.out()).isZero();

    byte[] before = bytes();
    for (String[] args :
        new String[][] {
          {"-s", "9"},
          {"-s", "1", "-t", "9"},
          {"-s", "1", "--to", "oracle://x/y"},
          {"-s", "1", "--to", "postgresql://user:secret@/nodb"},
          {"-s", "1", "--to", "mysql://user:secret@/nodb"},
          {"-s", "1", "--to", "mysql://user:secret@h/db?ssl-mode=requird"},
          {"-s", "1", "--to", "mysql://user:secret@h/db?sslmode=required"},
        }) {
      String[] all = new String[args.length + 3];
      all[0] = "migrate-experiment";
      all[1] = "-d";
      all[2] = db.toString();
      System.arraycopy(args, 0, all, 3, args.length);
      CliRunner.Result bad = CliRunner.run(all);
      assertThat(bad.exitCode()).as(Arrays.toString(args) + bad.err()).isIn(4, 5);
      assertThat(bad.err()).doesNotContain("secret");
    }
    CliRunner.Result unreachable =
        CliRunner.run(
            "migrate-experiment",
            "-d",
            db.toString(),
            "-s",
            "1",
            "--to",
            "mysql://user:secret@127.0.0.1:1/target");
    assertThat(unreachable.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(unreachable.err()).contains("connection refused").doesNotContain("secret");
    assertThat(bytes()).isEqualTo(before);
    CliRunner.Result missingDb =
        CliRunner.run("migrate-experiment", "-d", dir.resolve("none.db").toString(), "-s", "1");
    assertThat(missingDb.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(dir.resolve("none.db")).doesNotExist();
  }

  @Test
  void aCopyWithinTheDatabaseLeavesNoWriteAheadLogBehind() throws Exception {
    CliRunner.Result r =
        CliRunner.run("migrate-experiment", "-d", db.toString(), "-s", "1", "--no-snapshot");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("copied into experiment 3");
    // The writer closes last, so SQLite folds its log into the file: nothing to replay later.
    assertThat(Path.of(db + "-wal")).doesNotExist();
  }
}
