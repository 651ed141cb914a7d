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
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path generated(String name) {
    Path db = dir.resolve(name);
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    return db;
  }

  private static Map<String, List<List<Object>>> content(Path db) {
    return TestDatabases.content(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING));
  }

  private String snapshot(Path db, Path snaps) throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "create-snapshot", "-d", db.toString(), "--snapshot-dir", snaps.toString(), "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    return JSON.readTree(r.out()).path("id").asText();
  }

  @Test
  void theFaqRecoveryProcedureWorksAsWritten() throws Exception {
    Path db = generated("experiment.db");
    Path snaps = dir.resolve("snaps");
    var original = content(db);
    String id = snapshot(db, snaps);
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    d.withConnection(
        c -> {
          Dialect.execute(c, "DELETE FROM EPOCH_METRIC", "DELETE FROM TRIAL WHERE id = 1");
          return null;
        });

    CliRunner.Result no =
        CliRunner.runWithInput(
            "\n",
            "restore-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id);
    assertThat(no.exitCode()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(content(db)).isNotEqualTo(original);

    CliRunner.Result yes =
        CliRunner.runWithInput(
            "y\n",
            "restore-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id);
    assertThat(yes.exitCode()).as(yes.err()).isZero();
    assertThat(yes.out())
        .contains("Safety snapshot of the current state")
        .contains("Restored snapshot " + id);
    assertThat(content(db)).isEqualTo(original);
    assertThat(CliRunner.run("validate", "-d", db.toString()).exitCode()).isZero();

    // The safety snapshot holds the state before the restore, and can be restored in turn.
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
    assertThat(list.get(0).path("tags").get(0).asText()).isEqualTo("safety");
    assertThat(list.get(0).path("row_counts").path("EPOCH_METRIC").asLong()).isZero();
  }

  @Test
  void verifyNamesTheDamageAndRestoreRefusesIt() throws Exception {
    Path db = generated("v.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    assertThat(
            CliRunner.run(
                    "verify-snapshot",
                    "-d",
                    db.toString(),
                    "--snapshot-dir",
                    snaps.toString(),
                    "--all")
                .exitCode())
        .isZero();
    Path manifest = snaps.resolve(id).resolve("manifest.json");
    Files.writeString(
        manifest, Files.readString(manifest).replace("\"row_counts\"", "\"row_countz\""));
    CliRunner.Result bad =
        CliRunner.run(
            "verify-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id);
    assertThat(bad.exitCode()).isEqualTo(ExitCodes.SNAPSHOT);
    assertThat(bad.out()).contains("DAMAGED: row counts differ");
    var before = content(db);
    CliRunner.Result restore =
        CliRunner.run(
            "restore-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id,
            "--yes");
    assertThat(restore.exitCode()).isEqualTo(ExitCodes.SNAPSHOT);
    assertThat(restore.err())
        .contains("row counts differ")
        .contains("the database was not touched");
    assertThat(content(db)).isEqualTo(before);
  }

  @Test
  void restoringIntoAPathThatDoesNotExistCreatesIt() throws Exception {
    Path db = generated("src.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    Path copy = dir.resolve("elsewhere/copy.db");
    Files.createDirectories(copy.getParent());
    CliRunner.Result r =
        CliRunner.run(
            "restore-snapshot",
            "-d",
            copy.toString(),
            "--from-dir",
            snaps.toString(),
            "--snapshot-dir",
            dir.resolve("copy-snaps").toString(),
            "--snapshot-id",
            id,
            "--yes");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(content(copy)).isEqualTo(content(db));
  }

  /** A snapshot command on {@code db} with its snapshots in {@code snaps}. */
  private static CliRunner.Result onSnapshots(String command, Path db, Path snaps, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(command, "-d", db.toString(), "--snapshot-dir", snaps.toString()));
    args.addAll(List.of(more));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void aTsvSnapshotIsListedVerifiedAndRestoredAndABadFormatIsRefused() throws Exception {
    Path db = generated("t.db");
    Path snaps = dir.resolve("snaps");
    CliRunner.Result typo = onSnapshots("create-snapshot", db, snaps, "--format", "csv");
    assertThat(typo.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(typo.err()).contains("--format", "'csv'", "auto, sqlite, tsv");
    assertThat(snaps).doesNotExist();

    CliRunner.Result made = onSnapshots("create-snapshot", db, snaps, "--format", "tsv", "--json");
    assertThat(made.exitCode()).as(made.err()).isZero();
    JsonNode info = JSON.readTree(made.out());
    assertThat(info.path("format").asText()).isEqualTo("tsv");
    String id = info.path("id").asText();
    try (var files = Files.list(snaps.resolve(id))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .contains("manifest.json", "METRIC.tsv", "EXPERIMENT.tsv")
          .doesNotContain("data.db");
    }
    assertThat(onSnapshots("list-snapshots", db, snaps).out()).contains(id).contains("tsv");
    assertThat(onSnapshots("verify-snapshot", db, snaps, "--snapshot-id", id).exitCode()).isZero();
    var before = content(db);
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    d.withConnection(
        c -> {
          Dialect.execute(c, "DELETE FROM EPOCH_METRIC");
          return null;
        });
    CliRunner.Result restore =
        onSnapshots("restore-snapshot", db, snaps, "--snapshot-id", id, "--yes", "--no-snapshot");
    assertThat(restore.exitCode()).as(restore.err()).isZero();
    assertThat(content(db)).isEqualTo(before);
  }

  @Test
  void badIdsAndUnknownIdsAreRefused() {
    Path db = generated("i.db");
    CliRunner.Result traversal =
        CliRunner.run("delete-snapshot", "-d", db.toString(), "--snapshot-id", "../../x");
    assertThat(traversal.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(traversal.err()).contains("--snapshot-id must look like YYYYMMDD_HHMMSS");
    CliRunner.Result unknown =
        CliRunner.run(
            "restore-snapshot", "-d", db.toString(), "--snapshot-id", "20990101_000000", "--yes");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    CliRunner.Result neither = CliRunner.run("verify-snapshot", "-d", db.toString());
    assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void aDifferentSchemaVersionIsPartOfTheOneQuestionThatEchoYAnswers() throws Exception {
    Path db = generated("s.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    io.expmgr.schema.SchemaMigrator.upgrade(d, "2.0");
    var upgraded = content(db);
    String[] restore = {
      "restore-snapshot",
      "-d",
      db.toString(),
      "--snapshot-dir",
      snaps.toString(),
      "--snapshot-id",
      id
    };
    CliRunner.Result no = CliRunner.runWithInput("n\n", restore);
    assertThat(no.exitCode()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(no.out()).contains("the snapshot has schema 1.0, the database has 2.0");
    assertThat(content(db)).isEqualTo(upgraded);
    // The FAQ's form: one y answers everything the command asks.
    CliRunner.Result r = CliRunner.runWithInput("y\n", restore);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(io.expmgr.schema.SchemaMigrator.versionOf(d)).isEqualTo("1.0");
  }

  @Test
  void aRestoreKeepsTheFilesModeOwnerAndGroupAndGoesThroughASymlink() throws Exception {
    Path db = generated("kept.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    var original = content(db);
    var perms = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----");
    Files.setPosixFilePermissions(db, perms);
    var view = Files.getFileAttributeView(db, java.nio.file.attribute.PosixFileAttributeView.class);
    try {
      // As root (CI), a group other than our own: the restore must keep it.
      view.setGroup(
          db.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("daemon"));
    } catch (java.io.IOException notRootOrNoSuchGroup) {
      // the mode is still checked
    }
    var group = view.readAttributes().group();
    var owner = view.readAttributes().owner();
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    d.withConnection(
        c -> {
          Dialect.execute(c, "DELETE FROM EPOCH_METRIC");
          return null;
        });
    Path link = Files.createSymbolicLink(dir.resolve("link.db"), db);

    CliRunner.Result r =
        CliRunner.run(
            "restore-snapshot",
            "-d",
            link.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id,
            "--yes",
            "--no-snapshot");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(content(db)).isEqualTo(original);
    var after =
        Files.getFileAttributeView(db, java.nio.file.attribute.PosixFileAttributeView.class)
            .readAttributes();
    assertThat(after.permissions()).isEqualTo(perms);
    assertThat(after.group()).isEqualTo(group);
    assertThat(after.owner()).isEqualTo(owner);
  }

  @Test
  void listSnapshotsSaysOkOnlyForWhatWasChecked() throws Exception {
    Path db = generated("l.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    String[] list = {"list-snapshots", "-d", db.toString(), "--snapshot-dir", snaps.toString()};
    assertThat(CliRunner.run(list).out()).contains("unverified").doesNotContain(" ok ");
    assertThat(
            CliRunner.run(
                    "verify-snapshot",
                    "-d",
                    db.toString(),
                    "--snapshot-dir",
                    snaps.toString(),
                    "--snapshot-id",
                    id)
                .exitCode())
        .isZero();
    assertThat(CliRunner.run(list).out()).contains("verified 20").doesNotContain("unverified");
    Path data;
    try (var files = Files.list(snaps.resolve(id))) {
      data = files.filter(f -> f.getFileName().toString().endsWith(".db")).findFirst().get();
    }
    Thread.sleep(20);
    try (var f = new java.io.RandomAccessFile(data.toFile(), "rw")) {
      f.seek(5000);
      f.write(new byte[] {1, 2, 3, 4});
    }
    assertThat(CliRunner.run(list).out()).contains("unverified (changed since verified");
    String[] verifyAll = {
      "list-snapshots", "-d", db.toString(), "--snapshot-dir", snaps.toString(), "--verify"
    };
    CliRunner.Result checked = CliRunner.run(verifyAll);
    assertThat(checked.exitCode()).isEqualTo(ExitCodes.SNAPSHOT);
    assertThat(checked.out()).contains("DAMAGED");
    assertThat(CliRunner.run(list).out()).contains("DAMAGED");
  }

  @Test
  void aDamagedSnapshotIsRefusedBeforeAnyQuestionOrSafetySnapshot() throws Exception {
    Path db = generated("dmg.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    Path data;
    try (var files = Files.list(snaps.resolve(id))) {
      data = files.filter(f -> f.getFileName().toString().endsWith(".db")).findFirst().get();
    }
    try (var f = new java.io.RandomAccessFile(data.toFile(), "rw")) {
      f.seek(5000);
      f.write(new byte[] {1, 2, 3, 4});
    }
    var before = content(db);
    CliRunner.Result r =
        CliRunner.runWithInput(
            "y\n",
            "restore-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id);
    assertThat(r.exitCode()).isEqualTo(ExitCodes.SNAPSHOT);
    assertThat(r.err()).contains("is damaged").contains("not touched");
    assertThat(r.out()).doesNotContain("[y/N]").doesNotContain("Safety snapshot");
    assertThat(content(db)).isEqualTo(before);
    try (var s = Files.list(snaps)) {
      assertThat(s.filter(Files::isDirectory).count()).isEqualTo(1);
    }
  }

  @Test
  void pruneSaysWhyEachSnapshotIsKept() throws Exception {
    Path db = generated("p.db");
    Path snaps = dir.resolve("snaps");
    String first = snapshot(db, snaps);
    CliRunner.run(
        "create-snapshot",
        "-d",
        db.toString(),
        "--snapshot-dir",
        snaps.toString(),
        "--tag",
        "milestone");
    String third = snapshot(db, snaps);
    CliRunner.Result empty =
        CliRunner.run("prune-snapshots", "-d", db.toString(), "--snapshot-dir", snaps.toString());
    assertThat(empty.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    String[] keepOne = {
      "prune-snapshots",
      "-d",
      db.toString(),
      "--snapshot-dir",
      snaps.toString(),
      "--keep-last",
      "1",
      "--keep-tag",
      "milestone"
    };
    // Unanswered, it shows the plan and removes nothing; --json needs --yes.
    CliRunner.Result asked = CliRunner.run(keepOne);
    assertThat(asked.exitCode()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(asked.out()).contains("would remove").contains("Remove 1 snapshot(s)?");
    CliRunner.Result jsonAsks = CliRunner.run(concat(keepOne, "--json"));
    assertThat(jsonAsks.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(jsonAsks.err()).contains("add --yes");
    CliRunner.Result badWithin = CliRunner.run(concat(keepOne, "--keep-within", "30 days"));
    assertThat(badWithin.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(badWithin.err()).contains("units y, m, d, h");
    assertThat(
            JSON.readTree(
                CliRunner.run(
                        "list-snapshots",
                        "-d",
                        db.toString(),
                        "--snapshot-dir",
                        snaps.toString(),
                        "--json")
                    .out()))
        .hasSize(3);
    CliRunner.Result r = CliRunner.run(concat(keepOne, "--json", "--yes"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = JSON.readTree(r.out());
    assertThat(json.path("removed")).hasSize(1);
    assertThat(json.path("removed").get(0).asText()).isEqualTo(first);
    assertThat(json.path("kept").path(third).get(0).asText()).isEqualTo("last 1");
    assertThat(
            JSON.readTree(
                CliRunner.run(
                        "list-snapshots",
                        "-d",
                        db.toString(),
                        "--snapshot-dir",
                        snaps.toString(),
                        "--json")
                    .out()))
        .hasSize(2);
  }

  @Test
  void deleteAndRestoreAskFirstAndHaveDryRunsAndJson() throws Exception {
    Path db = generated("d.db");
    Path snaps = dir.resolve("snaps");
    String id = snapshot(db, snaps);
    String[] delete = {
      "delete-snapshot",
      "-d",
      db.toString(),
      "--snapshot-dir",
      snaps.toString(),
      "--snapshot-id",
      id
    };
    CliRunner.Result dry = CliRunner.run(concat(delete, "--dry-run"));
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("Dry run: would delete snapshot " + id);
    CliRunner.Result no = CliRunner.runWithInput("n\n", delete);
    assertThat(no.exitCode()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(no.out()).contains("Delete snapshot " + id).contains("Cancelled");
    assertThat(snaps.resolve(id)).isDirectory();

    // A restore's dry run checks the snapshot and changes nothing.
    var before = content(db);
    try (var api = io.expmgr.api.DatabaseManager.open(ConnectionConfig.sqlite(db))) {
      api.update("DELETE FROM METRIC");
    }
    var changed = content(db);
    CliRunner.Result restoreDry =
        onSnapshots("restore-snapshot", db, snaps, "--snapshot-id", id, "--dry-run", "--json");
    assertThat(restoreDry.exitCode()).as(restoreDry.err()).isZero();
    assertThat(JSON.readTree(restoreDry.out()).path("replaces_existing_data").asBoolean()).isTrue();
    assertThat(content(db)).isEqualTo(changed);
    CliRunner.Result restored =
        onSnapshots("restore-snapshot", db, snaps, "--snapshot-id", id, "--yes", "--json");
    assertThat(restored.exitCode()).as(restored.err()).isZero();
    assertThat(JSON.readTree(restored.out()).path("safety_snapshot_id").asText()).isNotEmpty();
    assertThat(content(db)).isEqualTo(before);

    CliRunner.Result verify = onSnapshots("verify-snapshot", db, snaps, "--all", "--json");
    assertThat(verify.exitCode()).as(verify.err()).isZero();
    assertThat(JSON.readTree(verify.out())).hasSize(2).allMatch(n -> n.path("ok").asBoolean());

    CliRunner.Result yes = CliRunner.runWithInput("y\n", delete);
    assertThat(yes.exitCode()).as(yes.err()).isZero();
    assertThat(snaps.resolve(id)).doesNotExist();
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
