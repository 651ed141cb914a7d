package io.expmgr.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.support.SqliteDump;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * transform-metrics on the databases the tracker writes: its metrics found at every level that
 * links them (the batch level included), its text kept wherever a rule changes no value, and a
 * value that is not what its column says reported, never read as zero.
 */
class TrackerTransformTest {
  @TempDir Path dir;

  private static MigrationOptions opts(String rulesJson, int batch) {
    return MigrationOptions.defaults()
        .withRules(TransformationRules.parse(rulesJson, "test rules"))
        .withBatchSize(batch)
        .withSafetySnapshot(false, null);
  }

  private static String scale(String type, double factor) {
    return "{\"metric_transformations\":[{\"metric_type\":\""
        + type
        + "\",\"transformation\":\"scale\",\"rules\":{\"factor\":"
        + factor
        + "}}],\"global_settings\":{\"backup_original\":true}}";
  }

  /** id -> [total_val, per_label_val] of every metric, as text. */
  private static Map<Long, List<String>> metrics(Database db) {
    return db.withConnection(
        c -> {
          Map<Long, List<String>> out = new LinkedHashMap<>();
          try (var st = c.createStatement();
              ResultSet rs =
                  st.executeQuery("SELECT id, total_val, per_label_val FROM METRIC ORDER BY id")) {
            while (rs.next()) {
              out.put(rs.getLong(1), java.util.Arrays.asList(rs.getString(2), rs.getString(3)));
            }
          }
          return out;
        });
  }

  private static List<Long> ids(Database db, String sql) {
    return db.withConnection(
        c -> {
          List<Long> out = new ArrayList<>();
          try (var st = c.createStatement();
              ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
              out.add(rs.getLong(1));
            }
          }
          return out;
        });
  }

  /** The dump without expmgr's own tables (the run ledger records every run, as it should). */
  private static String userTables(Path file) {
    return SqliteDump.withoutTables(SqliteDump.of(file), "expmgr_");
  }

  @Test
  void experimentIdsFindTheMetricsOfEveryLevelTheBatchLevelIncluded() {
    Path file = dir.resolve("batches.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(file), TrackerFixtures.batchShape(21, false));
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    String runsOf1 =
        "SELECT r.id FROM TRIAL_RUN r JOIN TRIAL t ON t.id = r.trial_id WHERE t.experiment_id = 1";
    List<Long> batchLossOf1 =
        ids(
            db,
            "SELECT DISTINCT m.id FROM METRIC m JOIN BATCH_METRIC l ON l.metric_id = m.id WHERE"
                + " m.type = 'batch_loss' AND l.trial_run_id IN ("
                + runsOf1
                + ") ORDER BY m.id");
    // batch_loss is linked at the batch level only.
    assertThat(batchLossOf1).isNotEmpty();
    assertThat(
            ids(
                db,
                "SELECT m.id FROM METRIC m JOIN EPOCH_METRIC l ON l.metric_id = m.id WHERE m.type"
                    + " = 'batch_loss'"))
        .isEmpty();
    Map<Long, List<String>> before = metrics(db);

    MigrationResult r = MetricTransformRun.run(db, List.of(1L), opts(scale("batch_loss", 2), 3));
    assertThat(r.processed()).isEqualTo(batchLossOf1.size());
    assertThat(r.changed()).isEqualTo(batchLossOf1.size());
    Map<Long, List<String>> after = metrics(db);
    for (var e : before.entrySet()) {
      if (batchLossOf1.contains(e.getKey())) {
        assertThat(Double.parseDouble(after.get(e.getKey()).get(0)))
            .isEqualTo(Double.parseDouble(e.getValue().get(0)) * 2);
      } else {
        assertThat(after.get(e.getKey())).as("metric " + e.getKey()).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void aRuleThatChangesNoValueWritesNothingAndCountsNothing() {
    Path file = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    String before = userTables(file);
    String noOps =
        "{\"metric_transformations\":["
            + "{\"metric_type\":\"*\",\"transformation\":\"normalize_json_keys\","
            + "\"rules\":{\"key_mapping\":{\"no_such_key\":\"other\"}}},"
            + "{\"metric_type\":\"*\",\"transformation\":\"legacy_to_per_label\","
            + "\"rules\":{\"split_by\":\"@@\"}},"
            + "{\"metric_type\":\"accuracy\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":1.0}},"
            + "{\"metric_type\":\"loss\",\"transformation\":\"rename_type\","
            + "\"rules\":{\"to\":\"loss\"}}],"
            + "\"global_settings\":{\"backup_original\":true}}";
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(noOps, 4));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(r.processed()).isPositive();
    assertThat(r.changed()).isZero();
    assertThat(r.failed()).isZero();
    assertThat(SqliteDump.difference(before, userTables(file))).isEmpty();
  }

  @Test
  void scalingChangesOnlyTheNumbersOfTheTextAndKeepsItsForm() {
    Path file = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    Map<Long, List<String>> before = metrics(db);
    List<Long> accuracy = ids(db, "SELECT id FROM METRIC WHERE type = 'accuracy' ORDER BY id");
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(scale("accuracy", 2), 3));
    assertThat(r.processed()).isEqualTo(accuracy.size());
    Map<Long, List<String>> after = metrics(db);
    for (long id : accuracy) {
      String was = before.get(id).get(1);
      String now = after.get(id).get(1);
      if (was == null) {
        assertThat(now).isNull();
        continue;
      }
      // The tracker's own spacing stays; each number is doubled, nothing else moves.
      assertThat(now.replaceAll("-?[0-9][0-9.eE+-]*", "#"))
          .isEqualTo(was.replaceAll("-?[0-9][0-9.eE+-]*", "#"));
      List<Double> w = numbers(was);
      List<Double> n = numbers(now);
      assertThat(n).hasSameSizeAs(w);
      for (int i = 0; i < w.size(); i++) {
        assertThat(n.get(i)).isEqualTo(w.get(i) * 2);
      }
    }
    // The originals are kept as they were, text for text.
    List<String> kept =
        db.withConnection(
            c -> {
              List<String> out = new ArrayList<>();
              try (var st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery(
                          "SELECT per_label_val FROM expmgr_metric_backup ORDER BY metric_id")) {
                while (rs.next()) {
                  out.add(rs.getString(1));
                }
              }
              return out;
            });
    assertThat(kept).isEqualTo(accuracy.stream().map(id -> before.get(id).get(1)).toList());
  }

  private static List<Double> numbers(String json) {
    List<Double> out = new ArrayList<>();
    var m = java.util.regex.Pattern.compile("(?<=[:\\[,]\\s?)-?[0-9][0-9.eE+-]*").matcher(json);
    while (m.find()) {
      out.add(Double.parseDouble(m.group()));
    }
    return out;
  }

  @Test
  void aTotalThatIsNotANumberIsAFailureNotAZero() {
    Path file = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    long id = ids(db, "SELECT min(id) FROM METRIC WHERE type = 'loss'").get(0);
    db.withConnection(
        c -> {
          Dialect.execute(c, "UPDATE METRIC SET total_val = 'n/a' WHERE id = " + id);
          return null;
        });
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(scale("loss", 3), 10));
    assertThat(r.failed()).isEqualTo(1);
    assertThat(r.failures().get(0).itemId()).isEqualTo(id);
    assertThat(r.failures().get(0).reason()).contains("total_val is not a number: 'n/a'");
    assertThat(metrics(db).get(id).get(0)).isEqualTo("n/a");
  }
}
