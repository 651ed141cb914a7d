package io.expmgr.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.transfer.ImportOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java program gets the safety a command-line user gets: the library, not the command, decides
 * when a safety snapshot is taken before an import or a restore, and what is created or discarded.
 */
class SafetyRulesTest {
  @TempDir Path dir;

  private Path snaps() {
    return dir.resolve("snaps");
  }

  private DatabaseManager withOneExperiment(String name) {
    DatabaseManager db = DatabaseManager.create(ConnectionConfig.sqlite(dir.resolve(name)));
    long exp = db.createExperiment("e " + name, null);
    long run = db.createTrialRun(db.createTrial(exp, "t"), "DONE");
    db.createEpoch(run, 0, LocalDateTime.of(2026, 1, 1, 0, 0));
    db.addEpochMetric(run, 0, "accuracy", 0.5, Map.of("a", 0.25));
    return db;
  }

  private Path export(DatabaseManager db) {
    Path file = dir.resolve("export-" + System.nanoTime() + ".json");
    new DataMigrationManager(db, snaps()).exportExperiment(1, file, true, true);
    return file;
  }

  private Path exportOfOneExperiment() {
    try (DatabaseManager source = withOneExperiment("source.db")) {
      return export(source);
    }
  }

  private List<SnapshotInfo> safetySnapshots(DatabaseManager db) {
    return new SnapshotManager(db.database(), snaps())
        .listSnapshots().stream().filter(s -> s.tags().contains("safety")).toList();
  }

  @Test
  void importingIntoADatabaseWithDataTakesASafetySnapshotFirst() {
    Path file = exportOfOneExperiment();
    try (DatabaseManager target = withOneExperiment("target.db")) {
      long id = new DataMigrationManager(target, snaps()).importExperimentData(file);
      assertThat(target.getExperiment(id)).isPresent();
      List<SnapshotInfo> safety = safetySnapshots(target);
      assertThat(safety).hasSize(1);
      // The snapshot holds the state before the import: one experiment.
      assertThat(safety.get(0).rowCounts().get("EXPERIMENT")).isEqualTo(1);
    }
  }

  @Test
  void aCallerWithItsOwnSnapshotSwitchesItOff() {
    Path file = exportOfOneExperiment();
    try (DatabaseManager target = withOneExperiment("target.db")) {
      new DataMigrationManager(target, snaps())
          .withSafetySnapshots(false)
          .importExperimentData(file, ImportOptions.defaults(), ProgressListener.NONE);
      assertThat(safetySnapshots(target)).isEmpty();
    }
  }

  @Test
  void aDryRunOrANewDatabaseNeedsNoSnapshotAndADryRunLeavesNoFileBehind() {
    Path file = exportOfOneExperiment();
    Path fresh = dir.resolve("fresh.db");
    ImportOperation.Outcome tried =
        ImportOperation.run(
            ConnectionConfig.sqlite(fresh),
            file,
            null,
            null,
            new ImportOptions(false, false, true),
            new Safety(true, snaps()),
            s -> {
              throw new AssertionError("no safety snapshot of a database made for the import");
            },
            ProgressListener.NONE);
    assertThat(tried.safetySnapshot()).isNull();
    assertThat(tried.result().totalRows()).isPositive();
    assertThat(fresh).doesNotExist();
  }

  @Test
  void aMissingExportIsRefusedBeforeAnythingIsCreated() {
    Path fresh = dir.resolve("never.db");
    assertThatThrownBy(
            () ->
                ImportOperation.run(
                    ConnectionConfig.sqlite(fresh),
                    dir.resolve("no-such-export.json"),
                    null,
                    null,
                    ImportOptions.defaults(),
                    Safety.defaults(),
                    null,
                    ProgressListener.NONE))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-export.json");
    assertThat(fresh).doesNotExist();
  }

  @Test
  void aMalformedExportLeavesNoNewDatabaseBehind() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"format\": ");
    Path fresh = dir.resolve("made-for-it.db");
    assertThatThrownBy(
            () ->
                ImportOperation.run(
                    ConnectionConfig.sqlite(fresh),
                    bad,
                    null,
                    null,
                    ImportOptions.defaults(),
                    Safety.defaults(),
                    null,
                    ProgressListener.NONE))
        .isInstanceOf(io.expmgr.ExpmgrException.class);
    assertThat(fresh).doesNotExist();
  }

  @Test
  void restoringOverDataTakesASafetySnapshotOfTheCurrentState() {
    try (DatabaseManager db = withOneExperiment("live.db")) {
      DataMigrationManager m = new DataMigrationManager(db, snaps());
      SnapshotInfo before = m.snapshotManager().createSnapshot("one experiment");
      db.createExperiment("added later", null);
      RestoreOperation.Outcome done = m.restoreSnapshot(before.id(), ProgressListener.NONE);
      assertThat(done.restored().id()).isEqualTo(before.id());
      assertThat(done.safetySnapshot()).isNotNull();
      assertThat(done.safetySnapshot().rowCounts().get("EXPERIMENT")).isEqualTo(2);
    }
    // A restored SQLite file is a new file: connections opened after the restore see it.
    try (DatabaseManager again = DatabaseManager.sqlite(dir.resolve("live.db"))) {
      assertThat(again.listExperiments()).hasSize(1);
    }
  }

  @Test
  void thePlanSaysWhatARestoreWouldReplaceAndChangesNothing() throws Exception {
    SnapshotInfo snap;
    try (DatabaseManager db = withOneExperiment("live.db")) {
      snap = new SnapshotManager(db.database(), snaps()).createSnapshot("one");
    }
    Path missing = dir.resolve("elsewhere.db");
    RestoreOperation.Plan plan =
        RestoreOperation.plan(ConnectionConfig.sqlite(missing), snap.id(), snaps());
    assertThat(plan.replacesData()).isFalse();
    assertThat(plan.changesVersion()).isFalse();
    assertThat(missing).doesNotExist();
    RestoreOperation.Outcome done =
        RestoreOperation.run(plan, Safety.defaults(), null, ProgressListener.NONE);
    assertThat(done.safetySnapshot()).isNull();
    assertThat(missing).exists();

    assertThatThrownBy(
            () ->
                RestoreOperation.plan(ConnectionConfig.sqlite(missing), "20990101_000000", snaps()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void cleanupThroughTheFacadeSnapshotsFirstAndItsPlanChangesNothing() throws Exception {
    Path file = dir.resolve("orphans.db");
    ConnectionConfig config = ConnectionConfig.sqlite(file);
    Operations.generate(
        config,
        new io.expmgr.generate.GenerateOptions(1, 1, 1, 2, 2, 2, 1, 7, 0, 4, 0),
        false,
        ProgressListener.NONE);
    byte[] before = Files.readAllBytes(file);
    Operations.CleanupPlan plan = Operations.planCleanup(config);
    assertThat(plan.preview().totalDeleted()).isPositive();
    assertThat(Files.readAllBytes(file)).isEqualTo(before);

    List<SnapshotInfo> told = new java.util.ArrayList<>();
    io.expmgr.validate.CleanupResult done =
        Operations.cleanup(plan, new Safety(true, snaps()), told::add);
    assertThat(done.totalDeleted()).isEqualTo(plan.preview().totalDeleted());
    assertThat(told).hasSize(1);
    assertThat(told.get(0).tags()).contains("safety");
    assertThat(Operations.planCleanup(config).preview().totalDeleted()).isZero();

    // Nothing left to remove: no snapshot, no change.
    Operations.cleanup(
        Operations.planCleanup(config),
        new Safety(true, snaps()),
        s -> {
          throw new AssertionError("no snapshot when nothing is removed");
        });
  }

  @Test
  void aMigrationIntoANewDatabaseThatFailsLeavesNoDatabaseBehind() {
    try (DatabaseManager source = withOneExperiment("source.db")) {
      source.close();
    }
    ConnectionConfig source = ConnectionConfig.sqlite(dir.resolve("source.db"));
    Path target = dir.resolve("copy.db");
    io.expmgr.migrate.MigrationOptions options =
        io.expmgr.migrate.MigrationOptions.defaults().withSafetySnapshot(true, snaps());
    assertThatThrownBy(
            () ->
                Operations.migrateExperiment(
                    source, ConnectionConfig.sqlite(target), 99, null, options))
        .isInstanceOf(NotFoundException.class);
    assertThat(target).doesNotExist();

    io.expmgr.migrate.MigrationResult copied =
        Operations.migrateExperiment(source, ConnectionConfig.sqlite(target), 1, null, options);
    assertThat(copied.newExperimentId()).isNotNull();
    assertThat(copied.snapshotId()).as("a database made for the copy needs no snapshot").isNull();
    assertThat(Operations.schemaVersion(ConnectionConfig.sqlite(target)))
        .isEqualTo(Operations.schemaVersion(source));
  }

  @Test
  void rollbackRefusesARunThatIsNotATransformBeforeChangingAnything() throws Exception {
    try (DatabaseManager db = withOneExperiment("runs.db")) {
      db.close();
    }
    ConnectionConfig config = ConnectionConfig.sqlite(dir.resolve("runs.db"));
    io.expmgr.migrate.MigrationResult copy =
        Operations.migrateExperiment(
            config,
            null,
            1,
            null,
            io.expmgr.migrate.MigrationOptions.defaults().withSafetySnapshot(false, null));
    byte[] before = Files.readAllBytes(dir.resolve("runs.db"));
    assertThatThrownBy(() -> Operations.rollbackTransform(config, copy.runId(), Safety.defaults()))
        .isInstanceOf(io.expmgr.InvalidInputException.class)
        .hasMessageContaining("transform-metrics");
    assertThatThrownBy(() -> Operations.rollbackTransform(config, 4242, Safety.defaults()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("4242");
    assertThat(Files.readAllBytes(dir.resolve("runs.db"))).isEqualTo(before);
    assertThat(snaps()).doesNotExist();
  }
}
