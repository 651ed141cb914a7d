package io.expmgr.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database made by another tool: the same tables, FLOAT columns, no declared foreign keys, no
 * version history. It must be readable and validated by the portable anti-join path.
 */
class ForeignDatabaseTest {
  @TempDir Path dir;

  @Test
  void validatesADatabaseWithoutDeclaredKeys() {
    Path file = dir.resolve("legacy.db");
    Database raw = Database.open(ConnectionConfig.sqlite(file), OpenMode.CREATE);
    raw.withConnection(
        c -> {
          Dialect.execute(
              c,
              "CREATE TABLE EXPERIMENT (id INTEGER PRIMARY KEY, title TEXT, desc TEXT, start_time DATETIME, update_time DATETIME)",
              "CREATE TABLE TRIAL (id INTEGER PRIMARY KEY, name TEXT, experiment_id INTEGER, start_time DATETIME, update_time DATETIME)",
              "CREATE TABLE TRIAL_RUN (id INTEGER PRIMARY KEY, trial_id INTEGER, status TEXT, start_time DATETIME, update_time DATETIME)",
              "CREATE TABLE RESULTS (trial_run_id INTEGER PRIMARY KEY, time DATETIME)",
              "CREATE TABLE EPOCH (idx INTEGER, trial_run_id INTEGER, time DATETIME)",
              "CREATE TABLE METRIC (id INTEGER PRIMARY KEY, type TEXT, total_val FLOAT, per_label_val TEXT)",
              "CREATE TABLE ARTIFACT (id INTEGER PRIMARY KEY, type TEXT, loc TEXT)",
              "CREATE TABLE EXPERIMENT_ARTIFACT (experiment_id INTEGER, artifact_id INTEGER)",
              "CREATE TABLE TRIAL_ARTIFACT (trial_id INTEGER, artifact_id INTEGER)",
              "CREATE TABLE TRIAL_RUN_ARTIFACT (trial_run_id INTEGER, artifact_id INTEGER)",
              "CREATE TABLE RESULTS_METRIC (results_id INTEGER, metric_id INTEGER)",
              "CREATE TABLE RESULTS_ARTIFACT (results_id INTEGER, artifact_id INTEGER)",
              "CREATE TABLE EPOCH_METRIC (epoch_idx INTEGER, epoch_trial_run_id INTEGER, metric_id INTEGER)",
              "CREATE TABLE EPOCH_ARTIFACT (epoch_idx INTEGER, epoch_trial_run_id INTEGER, artifact_id INTEGER)",
              "INSERT INTO EXPERIMENT VALUES (1, 'e', NULL, '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
              "INSERT INTO TRIAL VALUES (1, 't', 1, NULL, NULL)",
              "INSERT INTO TRIAL_RUN VALUES (1, 1, 'DONE', NULL, NULL)",
              "INSERT INTO RESULTS VALUES (1, NULL)",
              "INSERT INTO EPOCH VALUES (0, 1, NULL)",
              // Without the key this tool declares, an epoch index can repeat.
              "INSERT INTO EPOCH VALUES (0, 1, NULL)",
              "INSERT INTO METRIC VALUES (1, 'loss', 0.5, '{\"a\": 0.5}')",
              // Epoch 7 of run 1 does not exist: a composite-key orphan.
              "INSERT INTO EPOCH_METRIC VALUES (7, 1, 1)",
              "INSERT INTO EPOCH_METRIC VALUES (0, 1, 1)",
              "SELECT 1");
          return null;
        });
    try (DatabaseManager db = DatabaseManager.sqlite(file)) {
      assertThat(db.getMetric(1).orElseThrow().totalVal()).isEqualTo(0.5);
      ValidationReport r = new DataValidator(db).validateDataConsistency();
      assertThat(r.schemaVersion()).isEqualTo("1.0");
      assertThat(r.foreignKeyViolations()).containsExactly(java.util.Map.entry("EPOCH_METRIC", 1L));
      java.util.Map<?, ?> entry =
          (java.util.Map<?, ?>) r.check("foreign_keys").orElseThrow().details().get("EPOCH_METRIC");
      assertThat(String.valueOf(((java.util.Map<?, ?>) entry.get("by_foreign_key")).keySet()))
          .isEqualTo("[(epoch_trial_run_id, epoch_idx) -> EPOCH(trial_run_id, idx)]");
      assertThat(r.overallStatus()).isEqualTo(Status.FAIL);
      assertThat(new OrphanCleaner(db.database(), 5).cleanup(false).deleted())
          .containsExactly(java.util.Map.entry("EPOCH_METRIC", 1L));
      ValidationReport hierarchy = new DataValidator(db).checkHierarchy(OptionalLong.of(1));
      assertThat(hierarchy.overallStatus()).isEqualTo(Status.FAIL);
      assertThat(
              hierarchy.check("hierarchy").orElseThrow().details().get("duplicate_epoch_indexes"))
          .isEqualTo(1L);
    }
  }
}
