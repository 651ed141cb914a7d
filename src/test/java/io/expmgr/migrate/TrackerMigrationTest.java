package io.expmgr.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.SchemaException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.MysqlDump;
import io.expmgr.support.SqliteDump;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * migrate-experiment on the databases the tracker writes: the batch level, the links to epoch N its
 * training loop writes on purpose, keys declared in its own order, no secondary index, times as ISO
 * text. The copy is compared with the source through a view written here by hand: every row of
 * every table of the experiment with all its columns, each id replaced by its rank among the
 * experiment's ids of its kind and each value with its type, so that a copy equals its source when
 * it holds the same rows with the same text.
 */
class TrackerMigrationTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    BatchEngine.faultHook = b -> {};
    made.forEach(TestDatabases::dispose);
  }

  private static MigrationOptions opts(int batch) {
    return MigrationOptions.defaults().withBatchSize(batch).withSafetySnapshot(false, null);
  }

  // ------------------------------------------------------------------ the independent view

  /** The column of each table that ties a row to the experiment, and what it names. */
  private static final Map<String, String[]> OWNER = new LinkedHashMap<>();

  static {
    OWNER.put("TRIAL", new String[] {"experiment_id", "E"});
    OWNER.put("TRIAL_RUN", new String[] {"trial_id", "T"});
    OWNER.put("RESULTS", new String[] {"trial_run_id", "R"});
    OWNER.put("EPOCH", new String[] {"trial_run_id", "R"});
    OWNER.put("BATCH", new String[] {"trial_run_id", "R"});
    OWNER.put("EXPERIMENT_METRIC", new String[] {"experiment_id", "E"});
    OWNER.put("EXPERIMENT_ARTIFACT", new String[] {"experiment_id", "E"});
    OWNER.put("TRIAL_METRIC", new String[] {"trial_id", "T"});
    OWNER.put("TRIAL_ARTIFACT", new String[] {"trial_id", "T"});
    OWNER.put("TRIAL_RUN_METRIC", new String[] {"trial_run_id", "R"});
    OWNER.put("TRIAL_RUN_ARTIFACT", new String[] {"trial_run_id", "R"});
    OWNER.put("RESULTS_METRIC", new String[] {"results_id", "R"});
    OWNER.put("RESULTS_ARTIFACT", new String[] {"results_id", "R"});
    OWNER.put("EPOCH_METRIC", new String[] {"epoch_trial_run_id", "R"});
    OWNER.put("EPOCH_ARTIFACT", new String[] {"epoch_trial_run_id", "R"});
    OWNER.put("BATCH_METRIC", new String[] {"trial_run_id", "R"});
    OWNER.put("BATCH_ARTIFACT", new String[] {"trial_run_id", "R"});
  }

  /** What kind of id a column holds (E, T, R, M, A), or null. */
  private static String kindOf(String table, String column) {
    return switch (column) {
      case "experiment_id" -> "E";
      case "trial_id" -> "T";
      case "trial_run_id", "results_id", "epoch_trial_run_id" -> "R";
      case "metric_id" -> "M";
      case "artifact_id" -> "A";
      case "id" ->
          switch (table) {
            case "EXPERIMENT" -> "E";
            case "TRIAL" -> "T";
            case "TRIAL_RUN" -> "R";
            case "METRIC" -> "M";
            case "ARTIFACT" -> "A";
            default -> null;
          };
      default -> null;
    };
  }

  /** The queries of the experiment's rows, all columns, per table present. */
  private static Map<String, String> queries(Connection c, long e) throws SQLException {
    List<String> present = new ArrayList<>();
    try (ResultSet rs =
        c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        present.add(rs.getString("TABLE_NAME").toUpperCase(Locale.ROOT));
      }
    }
    String trials = "(SELECT id FROM TRIAL WHERE experiment_id = " + e + ")";
    String runs = "(SELECT id FROM TRIAL_RUN WHERE trial_id IN " + trials + ")";
    Map<String, String> in = Map.of("E", "(" + e + ")", "T", trials, "R", runs);
    Map<String, String> q = new LinkedHashMap<>();
    q.put("EXPERIMENT", "SELECT * FROM EXPERIMENT WHERE id = " + e);
    List<String> metricIds = new ArrayList<>();
    List<String> artifactIds = new ArrayList<>();
    for (var o : OWNER.entrySet()) {
      String t = o.getKey();
      if (!present.contains(t)) {
        continue;
      }
      String where = o.getValue()[0] + " IN " + in.get(o.getValue()[1]);
      if (t.endsWith("_METRIC")) {
        where += " AND metric_id IN (SELECT id FROM METRIC)";
        metricIds.add("SELECT metric_id FROM " + t + " WHERE " + where);
      } else if (t.endsWith("_ARTIFACT")) {
        where += " AND artifact_id IN (SELECT id FROM ARTIFACT)";
        artifactIds.add("SELECT artifact_id FROM " + t + " WHERE " + where);
      }
      q.put(t, "SELECT * FROM " + t + " WHERE " + where);
    }
    q.put("METRIC", "SELECT * FROM METRIC WHERE id IN (" + String.join(" UNION ", metricIds) + ")");
    q.put(
        "ARTIFACT",
        "SELECT * FROM ARTIFACT WHERE id IN (" + String.join(" UNION ", artifactIds) + ")");
    return q;
  }

  /**
   * Every table of the experiment: rows as text, ids as ranks, each value with its Java type (the
   * storage class of SQLite), sorted. With {@code normalTimes}, a time's 'T' reads as a space (for
   * comparisons across engines).
   */
  static Map<String, List<String>> view(Database db, long e, boolean normalTimes) {
    return db.withConnection(
        c -> {
          Map<String, List<List<Object>>> raw = new LinkedHashMap<>();
          Map<String, List<String>> columns = new HashMap<>();
          Map<String, SortedSet<Long>> ids = new HashMap<>();
          for (var q : queries(c, e).entrySet()) {
            List<List<Object>> rows = new ArrayList<>();
            try (var st = c.createStatement();
                ResultSet rs = st.executeQuery(q.getValue())) {
              List<String> cols = new ArrayList<>();
              for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                cols.add(rs.getMetaData().getColumnLabel(i).toLowerCase(Locale.ROOT));
              }
              columns.put(q.getKey(), cols);
              while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= cols.size(); i++) {
                  Object v = rs.getObject(i);
                  String k = kindOf(q.getKey(), cols.get(i - 1));
                  if (k != null && v != null) {
                    long id = ((Number) v).longValue();
                    ids.computeIfAbsent(k, x -> new TreeSet<>()).add(id);
                    v = id;
                  }
                  row.add(v);
                }
                rows.add(row);
              }
            }
            raw.put(q.getKey(), rows);
          }
          Map<String, List<String>> out = new TreeMap<>();
          for (var entry : raw.entrySet()) {
            List<String> cols = columns.get(entry.getKey());
            List<String> rows = new ArrayList<>();
            for (List<Object> row : entry.getValue()) {
              List<String> mapped = new ArrayList<>();
              for (int i = 0; i < row.size(); i++) {
                String k = kindOf(entry.getKey(), cols.get(i));
                Object v = row.get(i);
                String text;
                if (k != null && v != null) {
                  // An id no row of the experiment has (a link to epoch N's run is a run of the
                  // experiment; a missing one would show here as "?").
                  SortedSet<Long> all = ids.get(k);
                  text = all.contains(v) ? k + "#" + all.headSet((Long) v).size() : k + "?";
                } else if (v == null) {
                  text = "null";
                } else if (normalTimes) {
                  text = normal(v);
                } else {
                  text = v.getClass().getSimpleName() + ":" + v;
                }
                mapped.add(cols.get(i) + "=" + text);
              }
              rows.add(String.join(", ", mapped));
            }
            rows.sort(null);
            out.put(entry.getKey(), rows);
          }
          return out;
        });
  }

  /** A value across engines: numbers as numbers, times with a space. */
  private static String normal(Object v) {
    if (v instanceof Number n) {
      return String.valueOf(n.doubleValue());
    }
    String s = v.toString();
    return s.matches("\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?")
        ? s.replace('T', ' ').replaceAll("\\.0+$", "")
        : s;
  }

  private static long sum(MigrationResult r) {
    return r.rows().values().stream().mapToLong(Long::longValue).sum();
  }

  private static long sizes(Map<String, List<String>> view) {
    return view.values().stream().mapToLong(List::size).sum();
  }

  private static void sql(Database db, String... statements) {
    db.withConnection(
        c -> {
          for (String s : statements) {
            Dialect.execute(c, s);
          }
          return null;
        });
  }

  // ------------------------------------------------------------------ tests

  @ParameterizedTest
  @ValueSource(strings = {TrackerFixtures.API_1_0, TrackerFixtures.BATCH_MNIST})
  void everyExperimentOfTheTrackersFilesIsCopiedRowForRowAndTextForText(String fixture) {
    Path file = TrackerFixtures.copy(fixture, dir);
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    List<Long> experiments =
        db.withConnection(
            c -> {
              List<Long> ids = new ArrayList<>();
              try (var st = c.createStatement();
                  ResultSet rs = st.executeQuery("SELECT id FROM EXPERIMENT ORDER BY id")) {
                while (rs.next()) {
                  ids.add(rs.getLong(1));
                }
              }
              return ids;
            });
    for (long e : experiments) {
      Map<String, List<String>> source = view(db, e, false);
      // Small batches, so every table takes several, on both copying paths.
      MigrationResult inPlace = ExperimentMigration.run(db, db, e, null, opts(7));
      MigrationResult rowByRow =
          ExperimentMigration.run(
              db,
              db,
              e,
              null,
              opts(7).withStrategy(MigrationStrategy.CONSERVATIVE).withForce(true));
      for (MigrationResult r : List.of(inPlace, rowByRow)) {
        assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
        assertThat(view(db, r.newExperimentId(), false)).as("experiment " + e).isEqualTo(source);
        assertThat(sum(r)).isEqualTo(r.processed()).isEqualTo(sizes(source));
      }
      assertThat(view(db, e, false)).isEqualTo(source);
    }
  }

  @Test
  void linksToEpochNAndTheBatchLevelTravelAndOrphansStayBehind() {
    Path file = dir.resolve("planted.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(file), TrackerFixtures.batchShape(11, true));
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    // An orphan link of each kind inside experiment 1: left behind, as no row could hold it.
    sql(
        db,
        "INSERT INTO EPOCH_METRIC SELECT idx, trial_run_id, 987654 FROM EPOCH WHERE trial_run_id ="
            + " (SELECT min(id) FROM TRIAL_RUN) AND idx = 0",
        "INSERT INTO BATCH_METRIC SELECT idx, epoch_idx, trial_run_id, 987655 FROM BATCH WHERE"
            + " trial_run_id = (SELECT min(id) FROM TRIAL_RUN) AND idx = 0 AND epoch_idx = 0");
    Map<String, List<String>> source = view(db, 1, false);
    long linksToEpochN =
        db.withConnection(
            c -> {
              try (var st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery(
                          "SELECT count(*) FROM EPOCH_METRIC l JOIN TRIAL_RUN r ON r.id ="
                              + " l.epoch_trial_run_id JOIN TRIAL t ON t.id = r.trial_id WHERE"
                              + " t.experiment_id = 1 AND NOT EXISTS (SELECT 1 FROM EPOCH p WHERE"
                              + " p.idx = l.epoch_idx AND p.trial_run_id = l.epoch_trial_run_id)")) {
                rs.next();
                return rs.getLong(1);
              }
            });
    assertThat(linksToEpochN).isPositive();
    assertThat(source.get("BATCH_METRIC")).isNotEmpty();

    MigrationResult r = ExperimentMigration.run(db, db, 1, null, opts(5));
    assertThat(view(db, r.newExperimentId(), false)).isEqualTo(source);
    assertThat(r.rows().get("EPOCH_METRIC")).isEqualTo(source.get("EPOCH_METRIC").size());
    assertThat(r.rows().get("BATCH_METRIC")).isEqualTo(source.get("BATCH_METRIC").size());
    // The copy's links to epoch N point where the source's do: one past its runs' last epoch.
    long copied =
        db.withConnection(
            c -> {
              try (var st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery(
                          "SELECT count(*) FROM EPOCH_METRIC l JOIN TRIAL_RUN r ON r.id ="
                              + " l.epoch_trial_run_id JOIN TRIAL t ON t.id = r.trial_id WHERE"
                              + " t.experiment_id = "
                              + r.newExperimentId()
                              + " AND l.epoch_idx = (SELECT max(idx) + 1 FROM EPOCH p WHERE"
                              + " p.trial_run_id = r.id)")) {
                rs.next();
                return rs.getLong(1);
              }
            });
    assertThat(copied).isEqualTo(linksToEpochN);
  }

  @Test
  void intoAnotherTrackerFileTheTextIsKeptAndATargetWithoutTheBatchLevelIsRefused() {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(12, false));
    Database source = Database.open(ConnectionConfig.sqlite(src), OpenMode.EXISTING);
    String sourceDump = SqliteDump.of(src);
    Map<String, List<String>> view = view(source, 2, false);

    // The tracker's 1.0 file has no batch level: refused before anything is written.
    Path old = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir.resolve("old"));
    String oldDump = SqliteDump.of(old);
    Database oldDb = Database.open(ConnectionConfig.sqlite(old), OpenMode.EXISTING);
    assertThatThrownBy(() -> ExperimentMigration.run(source, oldDb, 2, null, opts(50)))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("lacks BATCH");
    assertThat(SqliteDump.difference(oldDump, SqliteDump.of(old))).isEmpty();

    Path target = TrackerFixtures.copy(TrackerFixtures.BATCH_MNIST, dir.resolve("new"));
    Database tgt = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
    MigrationResult r = ExperimentMigration.run(source, tgt, 2, null, opts(9));
    assertThat(view(tgt, r.newExperimentId(), false)).isEqualTo(view);
    assertThat(SqliteDump.difference(sourceDump, SqliteDump.of(src))).isEmpty();
  }

  @Test
  void aCopyThatDoesNotMatchItsSourceIsUndoneAndTheNextRunCompletes() {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(13, false));
    Database source = Database.open(ConnectionConfig.sqlite(src), OpenMode.EXISTING);
    Path target = TrackerFixtures.copy(TrackerFixtures.BATCH_MNIST, dir);
    Database tgt = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
    var before = TestDatabases.content(tgt);
    // Another writer links one more metric of experiment 1 to an epoch while the copy runs.
    BatchEngine.faultHook =
        b -> {
          if (b == 2) {
            sql(
                source,
                "INSERT INTO EPOCH_METRIC SELECT 0, r.id, (SELECT max(metric_id) FROM"
                    + " EPOCH_METRIC) FROM TRIAL_RUN r WHERE r.id = (SELECT min(id) FROM"
                    + " TRIAL_RUN)");
          }
        };
    assertThatThrownBy(() -> ExperimentMigration.run(source, tgt, 1, null, opts(10)))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("does not match the source")
        .hasMessageContaining("undone");
    BatchEngine.faultHook = b -> {};
    var after = TestDatabases.content(tgt);
    for (String table : before.keySet()) {
      if (!table.startsWith("expmgr")) {
        assertThat(after.get(table)).as(table).isEqualTo(before.get(table));
      }
    }
    assertThat(MigrationRuns.list(tgt).get(0).state()).isEqualTo(MigrationRun.State.ROLLED_BACK);

    // The same command again: a new run, which copies the source as it now is.
    MigrationResult r = ExperimentMigration.run(source, tgt, 1, null, opts(10));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(r.resumed()).isFalse();
    assertThat(view(tgt, r.newExperimentId(), false)).isEqualTo(view(source, 1, false));
  }

  @Test
  void intoTheTrackersMariaDbTablesValuesArriveWhereTheColumnsHoldThemOrNothingIsWritten() {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(14, false));
    Database source = Database.open(ConnectionConfig.sqlite(src), OpenMode.EXISTING);
    ConnectionConfig maria = MariaDbServer.get().newLatin1Database("trkmig");
    made.add(maria);
    TrackerFixtures.generate(maria, TrackerFixtures.batchShape(15, false));
    Database tgt = Database.open(maria, OpenMode.EXISTING);
    String before = MysqlDump.of(maria);

    // Times with microseconds do not fit the tracker's DATETIME columns.
    assertThatThrownBy(() -> ExperimentMigration.run(source, tgt, 1, null, opts(10)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("EXPERIMENT.start_time")
        .hasMessageContaining("fraction digits cannot keep");
    assertThat(without(MysqlDump.of(maria))).isEqualTo(without(before));

    // Whole seconds fit, and so do these values of a FLOAT, but the last metric's.
    List<String> whole = new ArrayList<>();
    for (String t : List.of("EXPERIMENT", "TRIAL", "TRIAL_RUN")) {
      whole.add(
          "UPDATE "
              + t
              + " SET start_time = substr(start_time, 1, 19), update_time = substr(update_time, 1,"
              + " 19)");
    }
    for (String t : List.of("EPOCH", "RESULTS", "BATCH")) {
      whole.add("UPDATE " + t + " SET time = substr(time, 1, 19)");
    }
    whole.add("UPDATE METRIC SET total_val = (id % 8) * 0.25");
    whole.add(
        "UPDATE METRIC SET total_val = 0.123456789 WHERE id = (SELECT max(l.metric_id) FROM"
            + " EPOCH_METRIC l JOIN TRIAL_RUN r ON r.id = l.epoch_trial_run_id JOIN TRIAL t ON"
            + " t.id = r.trial_id WHERE t.experiment_id = 1)");
    sql(source, whole.toArray(String[]::new));
    // Small batches: many commit before the metric that cannot be stored; all are undone.
    assertThatThrownBy(() -> ExperimentMigration.run(source, tgt, 1, null, opts(10)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("METRIC.total_val")
        .hasMessageContaining("0.123456789 does not fit a single-precision FLOAT column")
        .hasMessageContaining("undone");
    assertThat(without(MysqlDump.of(maria))).isEqualTo(without(before));

    sql(source, "UPDATE METRIC SET total_val = 0.5 WHERE total_val = 0.123456789");
    MigrationResult r = ExperimentMigration.run(source, tgt, 1, null, opts(10));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(view(tgt, r.newExperimentId(), true)).isEqualTo(view(source, 1, true));
  }

  /** A dump without the run ledger's tables (they record the failed runs, as they should). */
  private static String without(String dump) {
    StringBuilder out = new StringBuilder();
    boolean skip = false;
    for (String line : dump.split("\n")) {
      if (line.startsWith("-- table ") || line.startsWith("CREATE TABLE")) {
        skip = line.contains("expmgr_");
      }
      if (!skip) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }
}
