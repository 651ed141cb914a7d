package io.expmgr.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.InvalidInputException;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.MysqlDump;
import io.expmgr.support.SqliteDump;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export and import on the databases the tracker writes: every row carried (batches, and the links
 * to epoch N that its training loop writes on purpose), values exactly as stored within an engine,
 * converted without loss (or refused) across engines.
 */
class TrackerTransferTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  private static List<List<Object>> rows(Database db, String sql) {
    return db.withConnection(
        c -> {
          List<List<Object>> out = new ArrayList<>();
          try (var st = c.createStatement();
              ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
              List<Object> row = new ArrayList<>();
              for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
              }
              out.add(row);
            }
          }
          return out;
        });
  }

  private static ExportResult export(Database db, long id, Path file) {
    return new ExperimentExporter(db)
        .exportToFile(id, file, ExportOptions.all(), ProgressListener.NONE);
  }

  private static ImportResult importInto(Database db, Path file) {
    return new ExperimentImporter(db)
        .importFile(file, new ImportOptions(false, true), ProgressListener.NONE);
  }

  @Test
  void everyRowOfATrackerExperimentIsCarriedExactly() throws Exception {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(3, false));
    Database source = Database.openReadOnly(ConnectionConfig.sqlite(src));
    Path file = dir.resolve("e1.json");
    ExportResult out = export(source, 1, file);
    // 2 trials x 2 runs x 2 final metrics linked to epoch 3, which does not exist.
    assertThat(out.counts()).containsEntry("links_to_missing_epochs", 8L);
    assertThat(out.counts().get("batches")).isEqualTo(2L * 2 * 3 * 2);
    long metricsOfExperiment =
        Long.parseLong(
            rows(
                    source,
                    "SELECT count(DISTINCT metric_id) FROM (SELECT metric_id FROM EPOCH_METRIC l"
                        + " JOIN TRIAL_RUN r ON r.id = l.epoch_trial_run_id JOIN TRIAL t ON t.id ="
                        + " r.trial_id WHERE t.experiment_id = 1 UNION SELECT metric_id FROM"
                        + " RESULTS_METRIC l JOIN TRIAL_RUN r ON r.id = l.results_id JOIN TRIAL t ON"
                        + " t.id = r.trial_id WHERE t.experiment_id = 1 UNION SELECT metric_id FROM"
                        + " BATCH_METRIC l JOIN TRIAL_RUN r ON r.id = l.trial_run_id JOIN TRIAL t ON"
                        + " t.id = r.trial_id WHERE t.experiment_id = 1)")
                .get(0)
                .get(0)
                .toString());
    assertThat(out.counts().get("metrics")).isEqualTo(metricsOfExperiment);

    // Into the same database and into the tracker's own file: the same text, the same links.
    Path target = TrackerFixtures.copy(TrackerFixtures.BATCH_MNIST, dir);
    Database tgt = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
    ImportResult in = importInto(tgt, file);
    assertThat(in.counts()).isEqualTo(out.counts());
    long newId = in.experimentId();
    String times =
        "SELECT e.start_time, r.start_time, p.time FROM EXPERIMENT e JOIN TRIAL t ON t.experiment_id"
            + " = e.id JOIN TRIAL_RUN r ON r.trial_id = t.id JOIN EPOCH p ON p.trial_run_id = r.id"
            + " WHERE e.id = ? ORDER BY t.id, r.id, p.idx";
    assertThat(rows(tgt, times.replace("?", String.valueOf(newId))))
        .isEqualTo(rows(source, times.replace("?", "1")));
    String perLabel =
        "SELECT m.type, m.total_val, m.per_label_val, typeof(m.total_val) FROM EPOCH_METRIC l JOIN"
            + " METRIC m ON m.id = l.metric_id JOIN TRIAL_RUN r ON r.id = l.epoch_trial_run_id JOIN"
            + " TRIAL t ON t.id = r.trial_id WHERE t.experiment_id = ? ORDER BY r.id, l.epoch_idx,"
            + " m.id";
    assertThat(rows(tgt, perLabel.replace("?", String.valueOf(newId))))
        .isEqualTo(rows(source, perLabel.replace("?", "1")));
    assertThat(rows(tgt, "SELECT count(*) FROM BATCH_METRIC").get(0).get(0))
        .isEqualTo(String.valueOf(out.counts().get("batch_metrics")));
    // Times keep the tracker's ISO form.
    assertThat(
            rows(tgt, "SELECT start_time FROM EXPERIMENT WHERE id = " + newId)
                .get(0)
                .get(0)
                .toString())
        .contains("T");
  }

  @Test
  void importNeverAssumesIndexesAndMakesTheBatchLevelWhenItIsMissing() throws Exception {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(4, false));
    Path file = dir.resolve("e.json");
    export(Database.openReadOnly(ConnectionConfig.sqlite(src)), 1, file);
    // The tracker's 1.0 file has no secondary index and no batch level.
    Path target = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    String before = SqliteDump.of(target);
    Database tgt = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
    ImportResult r = importInto(tgt, file);
    assertThat(r.counts().get("batches")).isPositive();
    // The batch level is made in the tracker's own DDL.
    assertThat(
            rows(tgt, "SELECT sql FROM sqlite_master WHERE name = 'BATCH'")
                .get(0)
                .get(0)
                .toString())
        .contains("FOREIGN KEY (epoch_idx, trial_run_id) REFERENCES EPOCH(idx, trial_run_id)");
    assertThat(
            rows(
                tgt,
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                    + " AND tbl_name NOT LIKE 'expmgr%'"))
        .isEmpty();
    // A failed import into a copy of the original leaves it byte for byte as it was.
    Path again = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir.resolve("again"));
    String text = Files.readString(file).replace("\"type\":\"batch_loss\"", "\"type\":42");
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, text);
    Database tgt2 = Database.open(ConnectionConfig.sqlite(again), OpenMode.EXISTING);
    assertThatThrownBy(() -> importInto(tgt2, broken)).isInstanceOf(InvalidInputException.class);
    assertThat(SqliteDump.of(again)).isEqualTo(before);
  }

  @Test
  void aTrackerMariaDbDatabaseTakesOnlyWhatItsColumnsHoldAndSaysWhy() throws Exception {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(5, false));
    Database source = Database.openReadOnly(ConnectionConfig.sqlite(src));
    Path file = dir.resolve("e.json");
    export(source, 1, file);
    ConnectionConfig maria = MariaDbServer.get().newLatin1Database("trkimp");
    made.add(maria);
    TrackerFixtures.generate(maria, TrackerFixtures.plainShape(6));
    Database tgt = Database.open(maria, OpenMode.EXISTING);
    String before = MysqlDump.of(maria);
    // Times with microseconds do not fit the tracker's DATETIME columns: refused, nothing written.
    assertThatThrownBy(() -> importInto(tgt, file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("fraction digits cannot keep");
    assertThat(SqliteDump.difference(before, MysqlDump.of(maria))).isEmpty();

    // Whole-second times fit; 0.1 does not fit a FLOAT: refused naming the value.
    Database writable = Database.open(ConnectionConfig.sqlite(src), OpenMode.EXISTING);
    writable.withConnection(
        c -> {
          for (String t : List.of("EXPERIMENT", "TRIAL", "TRIAL_RUN")) {
            Dialect.execute(
                c,
                "UPDATE "
                    + t
                    + " SET start_time = substr(start_time, 1, 19),"
                    + " update_time = substr(update_time, 1, 19)");
          }
          for (String t : List.of("EPOCH", "RESULTS", "BATCH")) {
            Dialect.execute(c, "UPDATE " + t + " SET time = substr(time, 1, 19)");
          }
          // Values a FLOAT holds, but one.
          Dialect.execute(c, "UPDATE METRIC SET total_val = (id % 8) * 0.25");
          Dialect.execute(c, "UPDATE METRIC SET total_val = 0.123456789 WHERE id = 1");
          return null;
        });
    Path seconds = dir.resolve("seconds.json");
    export(source, 1, seconds);
    assertThatThrownBy(() -> importInto(tgt, seconds))
        .hasMessageContaining("0.123456789 does not fit a single-precision FLOAT column");
    assertThat(SqliteDump.difference(before, MysqlDump.of(maria))).isEmpty();

    writable.withConnection(
        c -> {
          Dialect.execute(c, "UPDATE METRIC SET total_val = 0.5 WHERE id = 1");
          return null;
        });
    Path fits = dir.resolve("fits.json");
    export(source, 1, fits);
    ImportResult r = importInto(tgt, fits);
    // The batch level was made in the tracker's MySQL DDL, and the links to epoch N kept.
    assertThat(r.counts()).containsEntry("links_to_missing_epochs", 8L);
    assertThat(tgt.existingTables()).contains("BATCH", "BATCH_METRIC", "BATCH_ARTIFACT");
    assertThat(
            rows(tgt, "SELECT title, start_time FROM EXPERIMENT WHERE id = " + r.experimentId())
                .get(0))
        .isEqualTo(
            rows(source, "SELECT title, replace(start_time, 'T', ' ') FROM EXPERIMENT WHERE id = 1")
                .get(0));
  }

  @Test
  void aTrackerMariaDbExperimentArrivesInSqliteAsItsValuesNotItsFloats() throws Exception {
    ConnectionConfig maria = MariaDbServer.get().newLatin1Database("trkexp");
    made.add(maria);
    TrackerFixtures.generate(maria, TrackerFixtures.batchShape(7, false));
    Database source = Database.open(maria, OpenMode.EXISTING);
    source.withConnection(
        c -> {
          Dialect.execute(c, "UPDATE METRIC SET total_val = 0.45 WHERE id = 1");
          return null;
        });
    Path file = dir.resolve("m.json");
    ExportResult out = export(source, 1, file);
    assertThat(out.counts()).containsEntry("links_to_missing_epochs", 8L);
    Path target = TrackerFixtures.copy(TrackerFixtures.BATCH_MNIST, dir);
    Database tgt = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
    ImportResult r = importInto(tgt, file);
    assertThat(
            rows(
                tgt,
                "SELECT m.total_val FROM METRIC m WHERE m.type = 'batch_loss' ORDER BY m.id LIMIT 1"))
        .isNotEmpty();
    Map<String, Object> m =
        io.expmgr.api.DatabaseManager.of(tgt)
            .query(
                "SELECT total_val, start_time FROM METRIC, EXPERIMENT WHERE EXPERIMENT.id = ?"
                    + " ORDER BY METRIC.id DESC LIMIT 1",
                r.experimentId())
            .get(0);
    assertThat(m.get("start_time").toString()).matches(".*T\\d\\d:\\d\\d:\\d\\d");
    assertThat(rows(tgt, "SELECT count(*) FROM METRIC WHERE total_val = 0.45").get(0).get(0))
        .isEqualTo("1");
  }
}
