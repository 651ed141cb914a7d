package io.expmgr.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConflictException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.support.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * migrate-experiment on real databases. The copy is compared with the source through an independent
 * view of an experiment: every row of its hierarchy, per table, with each id replaced by its rank
 * among the experiment's ids of that kind, so two experiments with the same content compare equal
 * whatever their ids.
 */
class ExperimentMigrationTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    BatchEngine.faultHook = b -> {};
    made.forEach(TestDatabases::dispose);
  }

  private ConnectionConfig fresh(Engine engine, String name) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, name + made.size());
    made.add(c);
    return c;
  }

  /** 3 experiments x 3 trials x 2 runs x 4 epochs x 3 metrics, with artifacts and legacy rows. */
  private Database generated(Engine engine, String name) {
    ConnectionConfig c = fresh(engine, name);
    DataGenerator.generate(
        c, new GenerateOptions(3, 3, 2, 4, 3, 3, 2, 21, 2, 0, 2), false, ProgressListener.NONE);
    return Database.open(c, OpenMode.EXISTING);
  }

  private static MigrationOptions opts(int batch) {
    return MigrationOptions.defaults().withBatchSize(batch).withSafetySnapshot(false, null);
  }

  // ------------------------------------------------------------------ the independent view

  private static final String RUNS =
      "SELECT tr.id FROM TRIAL_RUN tr JOIN TRIAL t ON t.id = tr.trial_id WHERE t.experiment_id = ";

  /** The queries that select an experiment's rows of each table, written out by hand. */
  private static Map<String, String> hierarchy(long e) {
    Map<String, String> q = new LinkedHashMap<>();
    String runs = "(" + RUNS + e + ")";
    String trials = "(SELECT id FROM TRIAL WHERE experiment_id = " + e + ")";
    q.put(
        "TRIAL",
        "SELECT id, name, experiment_id, start_time FROM TRIAL WHERE experiment_id = " + e);
    q.put("TRIAL_RUN", "SELECT id, trial_id, status FROM TRIAL_RUN WHERE trial_id IN " + trials);
    q.put("RESULTS", "SELECT trial_run_id, time FROM RESULTS WHERE trial_run_id IN " + runs);
    q.put("EPOCH", "SELECT idx, trial_run_id, time FROM EPOCH WHERE trial_run_id IN " + runs);
    q.put(
        "EPOCH_METRIC",
        "SELECT epoch_idx, epoch_trial_run_id, metric_id FROM EPOCH_METRIC WHERE"
            + " epoch_trial_run_id IN "
            + runs);
    q.put(
        "RESULTS_METRIC",
        "SELECT results_id, metric_id FROM RESULTS_METRIC WHERE results_id IN " + runs);
    q.put(
        "METRIC",
        "SELECT id, type, total_val, per_label_val FROM METRIC WHERE id IN (SELECT metric_id FROM"
            + " EPOCH_METRIC WHERE epoch_trial_run_id IN "
            + runs
            + ") OR id IN (SELECT metric_id FROM RESULTS_METRIC WHERE results_id IN "
            + runs
            + ")");
    q.put(
        "EXPERIMENT_ARTIFACT",
        "SELECT experiment_id, artifact_id FROM EXPERIMENT_ARTIFACT WHERE experiment_id = " + e);
    q.put(
        "TRIAL_ARTIFACT",
        "SELECT trial_id, artifact_id FROM TRIAL_ARTIFACT WHERE trial_id IN " + trials);
    q.put(
        "TRIAL_RUN_ARTIFACT",
        "SELECT trial_run_id, artifact_id FROM TRIAL_RUN_ARTIFACT WHERE trial_run_id IN " + runs);
    q.put(
        "RESULTS_ARTIFACT",
        "SELECT results_id, artifact_id FROM RESULTS_ARTIFACT WHERE results_id IN " + runs);
    q.put(
        "EPOCH_ARTIFACT",
        "SELECT epoch_idx, epoch_trial_run_id, artifact_id FROM EPOCH_ARTIFACT WHERE"
            + " epoch_trial_run_id IN "
            + runs);
    q.put(
        "ARTIFACT",
        "SELECT id, type, loc FROM ARTIFACT WHERE id IN (SELECT artifact_id FROM"
            + " EXPERIMENT_ARTIFACT WHERE experiment_id = "
            + e
            + ") OR id IN (SELECT artifact_id FROM TRIAL_ARTIFACT WHERE trial_id IN "
            + trials
            + ") OR id IN (SELECT artifact_id FROM TRIAL_RUN_ARTIFACT WHERE trial_run_id IN "
            + runs
            + ") OR id IN (SELECT artifact_id FROM RESULTS_ARTIFACT WHERE results_id IN "
            + runs
            + ") OR id IN (SELECT artifact_id FROM EPOCH_ARTIFACT WHERE epoch_trial_run_id IN "
            + runs
            + ")");
    return q;
  }

  private static String kind(String table, String column) {
    return ExperimentMigration.kindOf(io.expmgr.db.Schema.v1().table(table), column);
  }

  /** Every table of the experiment, ids as ranks, rows sorted; plus the experiment's own row. */
  static Map<String, List<String>> view(Database db, long e) {
    return db.withConnection(
        c -> {
          Map<String, List<List<Object>>> raw = new LinkedHashMap<>();
          Map<String, List<String>> columns = new HashMap<>();
          Map<String, java.util.SortedSet<Long>> ids = new HashMap<>();
          for (var q : hierarchy(e).entrySet()) {
            List<List<Object>> rows = new ArrayList<>();
            try (var st = c.createStatement();
                ResultSet rs = st.executeQuery(q.getValue())) {
              List<String> cols = new ArrayList<>();
              for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                cols.add(rs.getMetaData().getColumnLabel(i).toLowerCase(java.util.Locale.ROOT));
              }
              columns.put(q.getKey(), cols);
              while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= cols.size(); i++) {
                  Object v = rs.getObject(i);
                  String k = kind(q.getKey(), cols.get(i - 1));
                  if (k != null && v != null) {
                    long id = ((Number) v).longValue();
                    ids.computeIfAbsent(k, x -> new java.util.TreeSet<>()).add(id);
                    v = id;
                  } else if (v instanceof Number n && !(v instanceof Double)) {
                    v = n.longValue();
                  } else if (v != null && !(v instanceof Double) && !(v instanceof String)) {
                    v = v.toString().replace('T', ' ');
                  }
                  row.add(v);
                }
                rows.add(row);
              }
            }
            raw.put(q.getKey(), rows);
          }
          Map<String, List<String>> out = new TreeMap<>();
          out.put("EXPERIMENT", List.of(experimentRow(c, e)));
          for (var entry : raw.entrySet()) {
            List<String> cols = columns.get(entry.getKey());
            List<String> rows = new ArrayList<>();
            for (List<Object> row : entry.getValue()) {
              List<Object> mapped = new ArrayList<>();
              for (int i = 0; i < row.size(); i++) {
                String k = kind(entry.getKey(), cols.get(i));
                Object v = row.get(i);
                if (k != null && v != null) {
                  v = k.equals("EXPERIMENT") ? "E" : k + "#" + ids.get(k).headSet((Long) v).size();
                }
                mapped.add(v);
              }
              rows.add(mapped.toString());
            }
            rows.sort(null);
            out.put(entry.getKey(), rows);
          }
          return out;
        });
  }

  private static String experimentRow(Connection c, long e) throws SQLException {
    try (var st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT title, " + "start_time FROM EXPERIMENT WHERE id = " + e)) {
      return rs.next()
          ? Arrays.asList(rs.getString(1), String.valueOf(rs.getObject(2)).replace('T', ' '))
              .toString()
          : "missing";
    }
  }

  private static long count(Database db, String table) {
    return TestDatabases.counts(db).get(table);
  }

  // ------------------------------------------------------------------ tests

  @ParameterizedTest
  @EnumSource(Engine.class)
  void copiesEveryRowOfTheHierarchyAndLeavesTheSourceAlone(Engine engine) {
    Database db = generated(engine, "same");
    var before = TestDatabases.content(db);
    Map<String, List<String>> source = view(db, 2);
    MigrationResult r = ExperimentMigration.run(db, db, 2, null, opts(50));

    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(r.newExperimentId()).isEqualTo(4L);
    assertThat(view(db, 4)).isEqualTo(source);
    assertThat(view(db, 2)).isEqualTo(source);
    // Every table of the source experiment's rows, and nothing else, was added.
    var after = TestDatabases.content(db);
    for (String table : before.keySet()) {
      long added = after.get(table).size() - before.get(table).size();
      long expected = table.equals("EXPERIMENT") ? 1 : source.getOrDefault(table, List.of()).size();
      assertThat(added).as(table).isEqualTo(expected);
      assertThat(after.get(table)).as(table).containsAll(before.get(table));
    }
    assertThat(r.rows().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(r.processed());

    assertThatThrownBy(() -> ExperimentMigration.run(db, db, 2, null, opts(50)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("--force");
    assertThatThrownBy(() -> ExperimentMigration.run(db, db, 9, null, opts(50)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("source experiment 9 does not exist");
    assertThatThrownBy(() -> ExperimentMigration.run(db, db, 2, 9L, opts(50)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("target experiment 9 does not exist");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void theDatabaseCopyingInPlaceCopiesWhatTheRowByRowPathCopies(Engine engine) {
    Database db = generated(engine, "paths");
    if (engine == Engine.SQLITE) {
      // An orphan link inside the experiment: both paths must leave it behind.
      db.withConnection(
          c -> {
            try (var st = c.createStatement()) {
              st.execute(
                  "INSERT INTO RESULTS_METRIC SELECT trial_run_id, 999999 FROM RESULTS"
                      + " WHERE trial_run_id = (SELECT min(id) FROM TRIAL_RUN)");
            }
            return null;
          });
    }
    Map<String, List<String>> source = view(db, 1);
    // Conservative reads each batch back, so it copies through Java row by row; balanced has
    // the database copy each batch with INSERT ... SELECT.
    MigrationResult rowByRow =
        ExperimentMigration.run(
            db, db, 1, null, opts(29).withStrategy(MigrationStrategy.CONSERVATIVE));
    MigrationResult inPlace = ExperimentMigration.run(db, db, 1, null, opts(29).withForce(true));

    assertThat(inPlace.newExperimentId()).isNotEqualTo(rowByRow.newExperimentId());
    assertThat(view(db, inPlace.newExperimentId())).isEqualTo(view(db, rowByRow.newExperimentId()));
    assertThat(inPlace.rows()).isEqualTo(rowByRow.rows());
    long links = source.get("RESULTS_METRIC").size();
    assertThat(inPlace.rows().get("RESULTS_METRIC"))
        .isEqualTo(engine == Engine.SQLITE ? links - 1 : links);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void crashesAtSeveralBatchesThenAResumeGiveTheUninterruptedCopy(Engine engine) {
    Database db = generated(engine, "crash");
    Map<String, List<String>> source = view(db, 1);
    var before = TestDatabases.counts(db);
    for (long failAt : new long[] {1, 4, 9}) {
      BatchEngine.faultHook =
          b -> {
            if (b == failAt) {
              throw new IllegalStateException("simulated crash in batch " + b);
            }
          };
      assertThatThrownBy(() -> ExperimentMigration.run(db, db, 1, null, opts(17)))
          .hasMessageContaining("simulated crash");
    }
    BatchEngine.faultHook = b -> {};
    MigrationResult r = ExperimentMigration.run(db, db, 1, null, opts(23));
    assertThat(r.resumed()).isTrue();
    assertThat(r.newExperimentId()).isEqualTo(4L);
    assertThat(view(db, 4)).isEqualTo(source);
    var after = TestDatabases.counts(db);
    assertThat(after.get("METRIC") - before.get("METRIC")).isEqualTo(source.get("METRIC").size());
    assertThat(MigrationRuns.list(db)).hasSize(1);
  }

  @Test
  void sqliteToMariaDbStopsAndResumesAcrossEngines() {
    Database src = generated(Engine.SQLITE, "src");
    ConnectionConfig tc = fresh(Engine.MYSQL, "tgt");
    Database target = io.expmgr.transfer.ImportTarget.open(tc).database();
    Map<String, List<String>> source = view(src, 3);
    AtomicInteger batches = new AtomicInteger();
    MigrationResult first =
        ExperimentMigration.run(
            src,
            target,
            3,
            null,
            opts(40)
                .withProgress(p -> batches.incrementAndGet())
                .withStopRequested(() -> batches.get() >= 3));
    assertThat(first.outcome()).isEqualTo(MigrationResult.Outcome.INTERRUPTED);
    assertThat(first.batches()).isEqualTo(3);
    MigrationResult rest = ExperimentMigration.run(src, target, 3, null, opts(40));
    assertThat(rest.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(rest.resumed()).isTrue();
    assertThat(rest.newExperimentId()).isEqualTo(1L);
    assertThat(view(target, 1)).isEqualTo(source);
    assertThat(TestDatabases.foreignKeyViolations(target).values()).allMatch(v -> v == 0);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void appendsToAnExistingExperimentAndTransformsMetrics(Engine engine) {
    Database db = generated(engine, "append");
    long trialsBefore = count(db, "TRIAL");
    Map<String, List<String>> source = view(db, 1);
    TransformationRules scale =
        TransformationRules.parse(
            "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
                + "\"rules\":{\"factor\":2}},{\"metric_type\":\"loss\",\"transformation\":"
                + "\"rename_type\",\"rules\":{\"to\":\"loss_x2\"}}]}",
            "rules");
    MigrationResult r = ExperimentMigration.run(db, db, 1, 3L, opts(100).withRules(scale));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(r.newExperimentId()).isEqualTo(3L);
    assertThat(count(db, "TRIAL") - trialsBefore).isEqualTo(source.get("TRIAL").size());
    long losses = source.get("METRIC").stream().filter(m -> m.contains(", loss, ")).count();
    long renamed =
        db.withConnection(
            c -> {
              try (var st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery("SELECT count(*) FROM METRIC WHERE type = 'loss_x2'")) {
                rs.next();
                return rs.getLong(1);
              }
            });
    assertThat(renamed).isEqualTo(losses).isPositive();
    assertThat(r.changed() + r.failed()).isEqualTo(losses);
    // The source experiment is untouched.
    assertThat(view(db, 1)).isEqualTo(source);
  }

  @Test
  void aDryRunCountsWhatTheCopyWouldDoAndWritesNothing() {
    Database db = generated(Engine.SQLITE, "dry");
    var before = TestDatabases.content(db);
    Map<String, List<String>> source = view(db, 1);
    TransformationRules scale =
        TransformationRules.parse(
            "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
                + "\"rules\":{\"factor\":2}}]}",
            "rules");
    MigrationResult r =
        ExperimentMigration.run(db, db, 1, null, opts(50).withRules(scale).withDryRun(true));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.DRY_RUN);
    assertThat(r.processed()).isEqualTo(r.total()).isPositive();
    long losses = source.get("METRIC").stream().filter(m -> m.contains(", loss, ")).count();
    assertThat(r.changed() + r.failed()).isEqualTo(losses).isPositive();
    assertThat(r.rows()).containsEntry("would_change", r.changed());
    assertThat(TestDatabases.content(db)).isEqualTo(before);
    assertThat(MigrationRuns.list(db)).isEmpty();
  }

  @Test
  void rollbackOnErrorRemovesEverythingTheRunCopied() {
    Database db = generated(Engine.SQLITE, "rollback");
    var before = TestDatabases.content(db);
    TransformationRules strict =
        TransformationRules.parse(
            "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":"
                + "\"normalize_json_keys\",\"rules\":{\"key_mapping\":{\"class_0\":\"c0\"}}}],"
                + "\"global_settings\":{\"rollback_on_error\":true}}",
            "rules");
    // Experiment 3 holds the planted broken per-label values (they are the last metrics).
    MigrationResult r = ExperimentMigration.run(db, db, 3, null, opts(25).withRules(strict));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.ROLLED_BACK);
    var after = TestDatabases.content(db);
    assertThat(after).isEqualTo(before);
  }

  @Test
  void aTargetOnAnOlderSchemaIsRefusedNamingTheUpgrade() {
    Database src = generated(Engine.SQLITE, "newer");
    SchemaMigrator.upgrade(src, "2.1");
    ConnectionConfig tc = fresh(Engine.SQLITE, "older");
    Database target = io.expmgr.transfer.ImportTarget.open(tc).database();
    assertThatThrownBy(() -> ExperimentMigration.run(src, target, 1, null, opts(100)))
        .isInstanceOf(io.expmgr.SchemaException.class)
        .hasMessageContaining("schema upgrade --to 2.1");
    assertThat(TestDatabases.counts(target).get("EXPERIMENT")).isZero();
  }

  @Test
  void orphansStayBehindAndTagsTravelIntoMariaDb() {
    ConnectionConfig sc = fresh(Engine.SQLITE, "orphans");
    DataGenerator.generate(
        sc, new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 5, 0, 6, 0), false, ProgressListener.NONE);
    Database src = Database.open(sc, OpenMode.EXISTING);
    SchemaMigrator.upgrade(src, "2.1");
    src.withConnection(
        c -> {
          try (var st = c.createStatement()) {
            st.execute("INSERT INTO EXPERIMENT_TAG VALUES (1, 'baseline'), (1, 'z-last')");
            // A link to a metric that does not exist, inside experiment 1.
            st.execute(
                "INSERT INTO RESULTS_METRIC SELECT trial_run_id, 999999 FROM RESULTS"
                    + " WHERE trial_run_id = (SELECT min(id) FROM TRIAL_RUN)");
          }
          return null;
        });
    ConnectionConfig tc = fresh(Engine.MYSQL, "tags");
    Database target = io.expmgr.transfer.ImportTarget.open(tc).database();
    SchemaMigrator.upgrade(target, "2.1");
    MigrationResult r = ExperimentMigration.run(src, target, 1, null, opts(1));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(TestDatabases.foreignKeyViolations(target).values()).allMatch(v -> v == 0);
    List<String> tags =
        target.withConnection(
            c -> {
              List<String> out = new ArrayList<>();
              try (var st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery(
                          "SELECT tag_name FROM EXPERIMENT_TAG WHERE experiment_id = 1"
                              + " ORDER BY tag_name")) {
                while (rs.next()) {
                  out.add(rs.getString(1));
                }
              }
              return out;
            });
    assertThat(tags).containsExactly("baseline", "z-last");
    // The orphan link stayed behind; every proper row arrived.
    long sourceLinks = view(src, 1).get("RESULTS_METRIC").size();
    assertThat(r.rows().get("RESULTS_METRIC")).isEqualTo(sourceLinks - 1);
  }
}
