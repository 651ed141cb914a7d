package io.expmgr.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.SchemaException;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateResult;
import io.expmgr.manager.DataMigrationManager;
import io.expmgr.support.TestDatabases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Validation and orphan cleanup on both engines, against planted problems of known counts. */
class ValidationTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();
  private final List<DatabaseManager> open = new ArrayList<>();

  @AfterEach
  void dispose() {
    open.forEach(DatabaseManager::close);
    made.forEach(TestDatabases::dispose);
  }

  private DatabaseManager generated(Engine engine, GenerateOptions shape, GenerateResult[] result) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, "val" + made.size());
    made.add(c);
    GenerateResult r = DataGenerator.generate(c, shape, false, ProgressListener.NONE);
    if (result != null) {
      result[0] = r;
    }
    DatabaseManager m = DatabaseManager.open(c);
    open.add(m);
    return m;
  }

  private static GenerateOptions shape(int legacy, int orphans, int bad) {
    return new GenerateOptions(2, 3, 2, 4, 3, 3, 1, 11, legacy, orphans, bad);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aCleanDatabasePasses(Engine engine) {
    DatabaseManager db = generated(engine, shape(0, 0, 0), null);
    ValidationReport r = new DataValidator(db).validateDataConsistency();
    assertThat(r.overallStatus()).isEqualTo(Status.PASS);
    assertThat(r.totalIssues()).isZero();
    assertThat(r.foreignKeyViolations()).isEmpty();
    assertThat(r.checks())
        .extracting(CheckResult::name)
        .containsExactly("foreign_keys", "per_label_val", "hierarchy", "orphans");
    assertThat(r.schemaVersion()).isEqualTo("1.0");
    assertThat(r.database()).isEqualTo(db.database().identity());
    assertThat(r.check("per_label_val").orElseThrow().details().get("checked"))
        .isEqualTo(shape(0, 0, 0).totalMetrics());
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void reportsExactlyThePlantedProblems(Engine engine) {
    GenerateResult[] g = new GenerateResult[1];
    DatabaseManager db = generated(engine, shape(6, 19, 12), g);
    ValidationReport r = new DataValidator(db).validateDataConsistency();

    assertThat(r.overallStatus()).isEqualTo(Status.FAIL);
    assertThat(new TreeMap<>(r.foreignKeyViolations()))
        .isEqualTo(new TreeMap<>(g[0].orphansPerTable()));
    Map<String, Object> perLabel = r.check("per_label_val").orElseThrow().details();
    for (var e : g[0].badJsonPerKind().entrySet()) {
      assertThat(perLabel.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(perLabel.get("legacy_array")).isEqualTo(g[0].legacyPerKind().get("array"));
    // Legacy keys such as acc_class_0 are a valid object of numbers: not a failure here.
    assertThat(r.check("per_label_val").orElseThrow().issues())
        .isEqualTo(12 + g[0].legacyPerKind().get("array"));
    assertThat(r.check("per_label_val").orElseThrow().sample())
        .isNotEmpty()
        .allSatisfy(row -> assertThat(row).containsKeys("metric_id", "type", "kind"));
    Map<?, ?> trial = (Map<?, ?>) r.check("foreign_keys").orElseThrow().details().get("TRIAL");
    assertThat((List<?>) trial.get("sample"))
        .hasSize(g[0].orphansPerTable().get("TRIAL").intValue());
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void cleanupRemovesExactlyTheOrphansAndNothingHealthy(Engine engine) {
    GenerateResult[] g = new GenerateResult[1];
    DatabaseManager db = generated(engine, shape(0, 16, 0), g);
    Database d = db.database();
    Map<String, List<List<Object>>> before = TestDatabases.content(d);

    CleanupResult dry = new OrphanCleaner(d, 10).cleanup(true);
    assertThat(TestDatabases.content(d)).isEqualTo(before);
    assertThat(new TreeMap<>(dry.deleted())).isEqualTo(new TreeMap<>(g[0].orphansPerTable()));

    DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));
    CleanupResult done = migrator.cleanupOrphans(false);
    assertThat(done.dryRun()).isFalse();
    assertThat(done.deleted()).isEqualTo(dry.deleted());
    assertThat(done.safetySnapshot()).isNotNull();
    assertThat(migrator.snapshotManager().listSnapshots())
        .extracting(s -> s.id())
        .containsExactly(done.safetySnapshot().id());
    // The safety snapshot holds the database as it was, whatever its format.
    ConnectionConfig safety = ConnectionConfig.sqlite(dir.resolve("safety-" + engine + ".db"));
    new io.expmgr.snapshot.SnapshotManager(Database.unopened(safety), dir.resolve("snapshots"))
        .restoreSnapshot(done.safetySnapshot().id(), io.expmgr.ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(safety, io.expmgr.db.OpenMode.EXISTING)))
        .isEqualTo(before);
    assertThat(done.safetySnapshot().rowCounts())
        .containsAllEntriesOf(
            TestDatabases.counts(Database.open(safety, io.expmgr.db.OpenMode.EXISTING)));

    // Every remaining row was there before, and only planted rows are gone.
    Map<String, List<List<Object>>> after = TestDatabases.content(d);
    for (String table : before.keySet()) {
      assertThat(before.get(table)).containsAll(after.get(table));
      long planted = g[0].orphansPerTable().getOrDefault(table, 0L);
      assertThat(before.get(table).size() - after.get(table).size())
          .as(table)
          .isEqualTo((int) planted);
    }
    ValidationReport r = new DataValidator(db).validateDataConsistency();
    assertThat(r.foreignKeyViolations()).isEmpty();
    assertThat(new OrphanCleaner(d, 10).cleanup(false).totalDeleted()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void anOrphanedBranchGoesChildrenFirstButMetricsStay(Engine engine) {
    DatabaseManager db = generated(engine, shape(0, 0, 0), null);
    Database d = db.database();
    // Trial 1 disappears behind the tool's back: its 2 runs and everything below them are orphans.
    withFkChecksOff(
        d,
        "DELETE FROM " + d.dialect().quote("TRIAL") + " WHERE " + d.dialect().quote("id") + " = 1");
    Map<String, Long> before = TestDatabases.counts(d);

    CleanupResult r = new DataMigrationManager(db, dir.resolve("s")).cleanupOrphans(false);

    Map<String, Long> expected = new TreeMap<>();
    expected.put("TRIAL_RUN", 2L);
    expected.put("RESULTS", 2L);
    expected.put("EPOCH", 8L);
    expected.put("EPOCH_METRIC", 24L);
    expected.put("RESULTS_METRIC", 6L);
    expected.put("TRIAL_RUN_ARTIFACT", 2L);
    expected.put("RESULTS_ARTIFACT", 2L);
    expected.put("EPOCH_ARTIFACT", 2L);
    expected.put("TRIAL_ARTIFACT", 1L);
    assertThat(new TreeMap<>(r.deleted())).isEqualTo(expected);
    assertThat(r.passes()).isGreaterThan(1);
    assertThat(TestDatabases.counts(d).get("METRIC")).isEqualTo(before.get("METRIC"));
    ValidationReport after = new DataValidator(db).validateDataConsistency();
    assertThat(after.foreignKeyViolations()).isEmpty();
    assertThat(after.overallStatus()).isEqualTo(Status.WARN);
    assertThat(after.check("orphans").orElseThrow().details().get("unlinked_metrics"))
        .isEqualTo(30L);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void hierarchyChecksScopeToOneExperiment(Engine engine) {
    DatabaseManager db = generated(engine, shape(0, 0, 0), null);
    long lonely = db.createExperiment("no trials yet", null);
    long trial = db.createTrial(1, "no runs yet");
    db.update(
        "UPDATE TRIAL SET start_time = ?, update_time = ? WHERE id = ?",
        java.time.LocalDateTime.of(2024, 2, 1, 0, 0),
        java.time.LocalDateTime.of(2024, 1, 1, 0, 0),
        trial);
    DataValidator v = new DataValidator(db);

    ValidationReport all = v.checkHierarchy(OptionalLong.empty());
    Map<String, Object> details = all.check("hierarchy").orElseThrow().details();
    assertThat(details.get("experiments_without_trials")).isEqualTo(1L);
    assertThat(details.get("trials_without_runs")).isEqualTo(1L);
    assertThat(details.get("trials_started_after_update")).isEqualTo(1L);
    assertThat(all.overallStatus()).isEqualTo(Status.WARN);

    ValidationReport two = v.checkHierarchy(OptionalLong.of(2));
    assertThat(two.overallStatus()).isEqualTo(Status.PASS);
    assertThat(two.experimentId()).hasValue(2);
    ValidationReport one = v.checkHierarchy(OptionalLong.of(1));
    assertThat(one.check("hierarchy").orElseThrow().details().get("trials_without_runs"))
        .isEqualTo(1L);
    assertThat(one.check("hierarchy").orElseThrow().details().get("experiments_without_trials"))
        .isEqualTo(0L);
    assertThat(v.checkHierarchy(OptionalLong.of(lonely)).check("hierarchy").orElseThrow().issues())
        .isEqualTo(1);

    assertThatThrownBy(() -> v.checkHierarchy(OptionalLong.of(999)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("experiment 999 does not exist");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aDatabaseWithoutATableIsNamedBeforeAnyCheckRuns(Engine engine) {
    DatabaseManager db = generated(engine, shape(0, 0, 0), null);
    Database d = db.database();
    withFkChecksOff(d, "DROP TABLE " + d.dialect().quote("EPOCH_ARTIFACT"));
    assertThatThrownBy(() -> new DataValidator(db).validateDataConsistency())
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("missing tables: EPOCH_ARTIFACT");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void customChecksAppearInTheSameReport(Engine engine) {
    DatabaseManager db = generated(engine, shape(0, 0, 0), null);
    long lonely = db.createExperiment("lonely", null);
    DataValidator v =
        new DataValidator(db)
            .register(
                ValidationCheck.fromQuery(
                    "experiments_without_trials",
                    Status.FAIL,
                    "SELECT e.id, e.title FROM EXPERIMENT e LEFT JOIN TRIAL t ON e.id = t.experiment_id WHERE t.id IS NULL",
                    row -> "Experiment " + row.get("id") + " has no trials"));
    ValidationReport r = v.validateDataConsistency();
    CheckResult custom = r.check("experiments_without_trials").orElseThrow();
    assertThat(custom.status()).isEqualTo(Status.FAIL);
    assertThat(custom.messages()).containsExactly("Experiment " + lonely + " has no trials");
    assertThat(r.overallStatus()).isEqualTo(Status.FAIL);
    assertThat(
            ReportJson.toJson(r)
                .path("experiments_without_trials")
                .path("messages")
                .get(0)
                .asText())
        .isEqualTo("Experiment " + lonely + " has no trials");
    assertThatThrownBy(() -> v.register(new ForeignKeyCheck()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @org.junit.jupiter.api.Test
  void sparseIdsAreCountedInSqlWhenBitsWouldNotFit() {
    DatabaseManager db = generated(Engine.SQLITE, shape(0, 0, 0), null);
    Database d = db.database();
    // 9,000 metrics 65,536 ids apart: one bit page each would take 70 MiB, over the check's bound.
    withFkChecksOff(
        d,
        "INSERT INTO METRIC (id, type, total_val, per_label_val) WITH RECURSIVE k(n) AS (SELECT 1"
            + " UNION ALL SELECT n + 1 FROM k WHERE n < 9000) SELECT n * 65536, 'sparse', 0, NULL"
            + " FROM k");
    withFkChecksOff(
        d,
        "INSERT INTO EPOCH_METRIC (epoch_idx, epoch_trial_run_id, metric_id) SELECT 0, 1, id FROM"
            + " METRIC WHERE type = 'sparse' AND id < 9000 * 65536");

    List<String> statements = java.util.Collections.synchronizedList(new ArrayList<>());
    SqlChecks.observer = statements::add;
    CheckResult orphans;
    try {
      orphans = new DataValidator(db).validateDataConsistency().check("orphans").get();
    } finally {
      SqlChecks.observer = null;
    }

    assertThat(statements).anyMatch(sql -> sql.contains("NOT IN (SELECT \"metric_id\""));

    assertThat(orphans.details().get("unlinked_metrics")).isEqualTo(1L);
    assertThat(orphans.sample())
        .singleElement()
        .satisfies(
            row -> {
              assertThat(((Number) row.get("id")).longValue()).isEqualTo(9000L * 65536);
              assertThat(row.get("kind")).isEqualTo("unlinked_metrics");
            });
  }

  private static void withFkChecksOff(Database d, String sql) {
    d.withConnection(
        c -> {
          if (d.engine() == Engine.MYSQL) {
            Dialect.execute(c, "SET SESSION foreign_key_checks=0");
          }
          Dialect.execute(c, sql);
          return null;
        });
  }
}
