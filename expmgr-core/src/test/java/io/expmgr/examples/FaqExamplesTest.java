package io.expmgr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.manager.DataMigrationManager;
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

  /** FAQ "How do I handle very large experiments?": the aggressive strategy, big batches. */
  @Test
  void migrateALargeExperimentAggressively() {
    Path path = dir.resolve("large.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(path),
        new GenerateOptions(2, 3, 3, 10, 4, 3, 1, 9, 0, 0, 0),
        false,
        ProgressListener.NONE);
    try (DatabaseManager db = DatabaseManager.sqlite(path)) {
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));
      io.expmgr.migrate.MigrationResult result =
          migrator.migrateExperiment(
              1, io.expmgr.migrate.MigrationStrategy.AGGRESSIVE, 10_000, null);
      assertThat(result.newExperimentId()).isEqualTo(3L);
      assertThat(result.processed()).isEqualTo(result.total()).isPositive();
      assertThat(db.getTrials(3)).hasSize(db.getTrials(1).size());
      assertThat(migrator.listMigrations()).hasSize(1);
      assertThat(migrator.snapshotManager().listSnapshots()).hasSize(1);
    }
  }

  /** FAQ "What file formats are supported for transformation rules?": its example, applied. */
  @Test
  void transformMetricsWithTheFaqRules() {
    Path path = dir.resolve("rules.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(path),
        new GenerateOptions(1, 2, 2, 5, 4, 3, 1, 3, 4, 0, 0),
        false,
        ProgressListener.NONE);
    String faqRules =
        """
        {
          "metric_transformations": [
            { "metric_type": "accuracy", "transformation": "legacy_to_per_label",
              "rules": { "split_by": "class_", "default_classes": ["class_0", "class_1", "class_2"] } },
            { "metric_type": "f1_score", "transformation": "normalize_json_keys",
              "rules": { "key_mapping": { "macro": "macro_avg", "micro": "micro_avg" } } }
          ],
          "global_settings": { "backup_original": true, "validate_after_transform": true }
        }
        """;
    try (DatabaseManager db = DatabaseManager.sqlite(path)) {
      db.database()
          .withConnection(
              c -> {
                try (var st = c.createStatement()) {
                  st.execute(
                      "UPDATE METRIC SET per_label_val = '[0.1, 0.2, 0.3]' WHERE id IN"
                          + " (SELECT id FROM METRIC WHERE type = 'accuracy' LIMIT 3)");
                  st.execute(
                      "UPDATE METRIC SET per_label_val = '{\"macro\": 0.5, \"micro\": 0.6}'"
                          + " WHERE id IN (SELECT id FROM METRIC WHERE type = 'f1_score' LIMIT 2)");
                }
                return null;
              });
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));
      io.expmgr.migrate.MigrationResult r =
          migrator.transformMetrics(
              List.of(),
              io.expmgr.migrate.TransformationRules.parse(faqRules, "faq"),
              io.expmgr.migrate.MigrationStrategy.BALANCED,
              0,
              p -> {});
      assertThat(r.outcome()).isEqualTo(io.expmgr.migrate.MigrationResult.Outcome.COMPLETED);
      assertThat(
              db.query(
                      "SELECT count(*) AS n FROM METRIC WHERE type = 'accuracy' AND per_label_val LIKE '[%'")
                  .get(0)
                  .get("n"))
          .isIn(0, 0L);
      assertThat(
              db.query("SELECT count(*) AS n FROM METRIC WHERE per_label_val LIKE '%macro_avg%'")
                  .get(0)
                  .get("n"))
          .isIn(2, 2L);
      assertThat(r.changed()).isEqualTo(5);
      assertThat(migrator.rollbackTransform(r.runId())).isEqualTo(5);
    }
  }
}
