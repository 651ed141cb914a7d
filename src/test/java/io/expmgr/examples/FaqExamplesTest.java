package io.expmgr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.api.DataMigrationManager;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.validate.DataValidator;
import io.expmgr.validate.Status;
import io.expmgr.validate.ValidationCheck;
import io.expmgr.validate.ValidationReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FAQ's Python snippets, written against the Java API, compiled and run. */
class FaqExamplesTest {
  @TempDir Path dir;

  /** FAQ "Can I customize the validation checks?": a subclass with a method of its own. */
  static class CustomValidator extends DataValidator {
    CustomValidator(DatabaseManager db) {
      super(db);
    }

    List<String> validateCustomBusinessRules() {
      List<String> issues = new ArrayList<>();
      for (Map<String, Object> exp :
          dbManager()
              .query(
                  "SELECT e.id, e.title FROM EXPERIMENT e LEFT JOIN TRIAL t ON e.id = t.experiment_id"
                      + " WHERE t.id IS NULL")) {
        issues.add("Experiment " + exp.get("id") + " has no trials");
      }
      return issues;
    }
  }

  @Test
  void customizeTheValidationChecks() {
    try (DatabaseManager db =
        DatabaseManager.create(ConnectionConfig.sqlite(dir.resolve("e.db")))) {
      long withTrial = db.createExperiment("has a trial", null);
      db.createTrial(withTrial, "t");
      long without = db.createExperiment("no trials", null);

      DataMigrationManager migrationManager = new DataMigrationManager(db);
      migrationManager.setValidator(new CustomValidator(db));
      List<String> validationResults =
          ((CustomValidator) migrationManager.validator()).validateCustomBusinessRules();

      assertThat(validationResults).containsExactly("Experiment " + without + " has no trials");

      // The same rule as a registered check lands in the regular report.
      migrationManager
          .validator()
          .register(
              ValidationCheck.fromQuery(
                  "experiments_without_trials",
                  Status.WARN,
                  "SELECT e.id FROM EXPERIMENT e LEFT JOIN TRIAL t ON e.id = t.experiment_id WHERE t.id IS NULL",
                  row -> "Experiment " + row.get("id") + " has no trials"));
      assertThat(
              migrationManager
                  .validator()
                  .validateDataConsistency()
                  .check("experiments_without_trials"))
          .hasValueSatisfying(c -> assertThat(c.issues()).isEqualTo(1));
    }
  }

  /** FAQ "How do I fix foreign key violation errors?": snapshot, validate, clean up. */
  @Test
  void fixForeignKeyViolations() {
    Path path = dir.resolve("experiment.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(path),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 5, 0, 8, 0),
        false,
        ProgressListener.NONE);

    try (DatabaseManager db =
        DatabaseManager.builder().databasePath(path.toString()).useSqlite(true).open()) {
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));

      SnapshotInfo snapshot = migrator.snapshotManager().createSnapshot("Before FK cleanup");
      ValidationReport validation = migrator.validator().validateDataConsistency();
      assertThat(validation.summaryStatus()).isEqualTo("FAIL");
      assertThat(validation.foreignKeyViolations())
          .containsKeys("TRIAL_RUN", "EPOCH", "RESULTS", "TRIAL_ARTIFACT", "RESULTS_METRIC");

      var cleaned = migrator.cleanupOrphans(false);
      assertThat(cleaned.deleted()).isEqualTo(validation.foreignKeyViolations());
      assertThat(migrator.validator().validateDataConsistency().foreignKeyViolations()).isEmpty();
      assertThat(migrator.snapshotManager().listSnapshots())
          .extracting(SnapshotInfo::id)
          .contains(snapshot.id());
    }
  }

  /** FAQ "What's the recommended retention policy?": the listing the snippet walks. */
  @Test
  void listSnapshotsWithTheirDescriptions() {
    try (DatabaseManager db =
        DatabaseManager.create(ConnectionConfig.sqlite(dir.resolve("r.db")))) {
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));
      migrator.snapshotManager().createSnapshot("daily backup");
      migrator.snapshotManager().createSnapshot("milestone: paper submitted");
      List<SnapshotInfo> snapshots = migrator.snapshotManager().listSnapshots();
      assertThat(snapshots).hasSize(2);
      assertThat(snapshots.get(0).createdAt()).isAfterOrEqualTo(snapshots.get(1).createdAt());
      assertThat(snapshots)
          .extracting(SnapshotInfo::description)
          .containsExactlyInAnyOrder("daily backup", "milestone: paper submitted");
      assertThat(snapshots.get(0).id()).matches("\\d{8}_\\d{6}(_\\d+)?");
      assertThat(snapshots.get(1).id()).isNotEqualTo(snapshots.get(0).id());
    }
  }

  /** FAQ "How do I recover from a failed migration?" and "What if I accidentally delete data?". */
  @Test
  void restoreFromASnapshotThenValidate() {
    Path path = dir.resolve("experiment.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(path),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 9, 0, 0, 0),
        false,
        ProgressListener.NONE);
    String snapshotId;
    try (DatabaseManager db = DatabaseManager.sqlite(path)) {
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));
      snapshotId = migrator.snapshotManager().createSnapshot("Pre-migration").id();
      db.update("DELETE FROM EPOCH_METRIC");
      db.update("DELETE FROM TRIAL_RUN WHERE id > 2");
      assertThat(migrator.validator().validateDataConsistency().summaryStatus()).isEqualTo("FAIL");
    }
    // The restore replaces the file: reopen afterwards, as the FAQ's procedure does.
    try (DatabaseManager db = DatabaseManager.sqlite(path)) {
      new DataMigrationManager(db, dir.resolve("snapshots"))
          .snapshotManager()
          .restoreSnapshot(snapshotId, ProgressListener.NONE);
    }
    try (DatabaseManager db = DatabaseManager.sqlite(path)) {
      ValidationReport validation =
          new DataMigrationManager(db).validator().validateDataConsistency();
      assertThat(validation.summaryStatus()).isEqualTo("PASS");
      assertThat(db.count("EPOCH_METRIC")).isPositive();
    }
  }
}
