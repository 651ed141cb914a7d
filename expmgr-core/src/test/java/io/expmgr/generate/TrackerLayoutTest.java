package io.expmgr.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.InvalidInputException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Catalog;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.GenerateOptions.Layout;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --layout tracker|tracker-batch}: databases that look like users' databases. */
class TrackerLayoutTest {
  @TempDir Path dir;

  private static List<String> master(Path file) {
    Database db = Database.openReadOnly(ConnectionConfig.sqlite(file));
    return db.withConnection(
        c -> {
          List<String> out = new ArrayList<>();
          try (var st = c.createStatement();
              ResultSet rs =
                  st.executeQuery("SELECT type, name, sql FROM sqlite_master ORDER BY rowid")) {
            while (rs.next()) {
              out.add(rs.getString(1) + " " + rs.getString(2) + ": " + rs.getString(3));
            }
          }
          return out;
        });
  }

  private static String single(Database db, String sql) {
    return db.withConnection(
        c -> {
          try (var st = c.createStatement();
              ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
          }
        });
  }

  @Test
  void theTrackerLayoutsHaveTheTrackersOwnDdlByteForByte() {
    Path batch = dir.resolve("batch.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(batch), TrackerFixtures.batchShape(1, false));
    Path plain = dir.resolve("plain.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(plain), TrackerFixtures.plainShape(1));
    assertThat(master(batch))
        .isEqualTo(master(TrackerFixtures.copy(TrackerFixtures.BATCH_MNIST, dir)));
    assertThat(master(plain)).isEqualTo(master(TrackerFixtures.copy(TrackerFixtures.API_1_0, dir)));
    Database db = Database.openReadOnly(ConnectionConfig.sqlite(batch));
    assertThat(single(db, "PRAGMA journal_mode")).isEqualTo("delete");
    Catalog catalog = Catalog.read(db);
    assertThat(catalog.hasSecondaryIndexes()).isFalse();
    assertThat(catalog.layout()).isEqualTo(Catalog.Layout.TRACKER);
    // Python's isoformat(): a T, and no fraction when the microseconds are zero.
    assertThat(single(db, "SELECT start_time FROM EXPERIMENT WHERE id = 1"))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?");
    // json.dumps(): ", " and ": " between items.
    assertThat(single(db, "SELECT per_label_val FROM METRIC WHERE id = 1")).contains("\": ", ", ");
    // The tracker never runs ANALYZE: the planner has no statistics, as on users' databases.
    assertThat(single(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        .isEqualTo("0");
  }

  @Test
  void batchesAndFinalEpochLinksAreWhereTheTrackerPutsThem() {
    Path file = dir.resolve("t.db");
    GenerateOptions shape = TrackerFixtures.batchShape(3, false);
    GenerateResult r =
        DataGenerator.generate(ConnectionConfig.sqlite(file), shape, false, ProgressListener.NONE);
    long runs = 2 * 2 * 2;
    long epochs = runs * 3;
    assertThat(r.rowsPerTable())
        .containsEntry("BATCH", epochs * 2)
        .containsEntry("BATCH_METRIC", epochs * 2)
        .containsEntry("EPOCH_METRIC", epochs * 2 + runs * 2);
    assertThat(r.totalRows()).isEqualTo(shape.totalRows());
    Database db = Database.openReadOnly(ConnectionConfig.sqlite(file));
    // Every run's final metrics point to epoch 3, which does not exist.
    assertThat(
            single(
                db,
                "SELECT count(*) FROM EPOCH_METRIC l WHERE l.epoch_idx = 3 AND NOT EXISTS"
                    + " (SELECT 1 FROM EPOCH e WHERE e.idx = l.epoch_idx"
                    + " AND e.trial_run_id = l.epoch_trial_run_id)"))
        .isEqualTo(String.valueOf(runs * 2));
    assertThat(TestDatabases.foreignKeyViolations(db)).isEqualTo(Map.of("EPOCH_METRIC", runs * 2));
  }

  @Test
  void theTrackersMysqlDdlOnALatin1Database() {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig config = server.newLatin1Database("trk");
    try {
      TrackerFixtures.generate(config, TrackerFixtures.batchShape(5, true));
      Database db = Database.open(config, OpenMode.EXISTING);
      Catalog catalog = Catalog.read(db);
      Catalog.TableInfo metric = catalog.table("METRIC").orElseThrow();
      assertThat(metric.column("total_val").orElseThrow().baseType()).isEqualTo("FLOAT");
      assertThat(metric.column("per_label_val").orElseThrow().json()).isTrue();
      assertThat(
              catalog
                  .table("EXPERIMENT")
                  .orElseThrow()
                  .column("start_time")
                  .orElseThrow()
                  .fractionDigits())
          .isZero();
      assertThat(catalog.table("EXPERIMENT").orElseThrow().ddl()).contains("latin1");
      assertThat(catalog.layout()).isEqualTo(Catalog.Layout.TRACKER);
      assertThat(single(db, "SELECT count(*) FROM BATCH_METRIC")).isNotEqualTo("0");
    } finally {
      TestDatabases.dispose(config);
    }
  }

  @Test
  void batchesNeedALayoutWithTheBatchLevel() {
    assertThatThrownBy(
            () ->
                new GenerateOptions(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0)
                    .withLayout(Layout.TRACKER, 2, 1, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--batches needs a layout with the batch level");
    assertThatThrownBy(() -> Layout.of("trackr"))
        .hasMessageContaining("--layout must be expmgr, tracker or tracker-batch, got 'trackr'");
  }

  @Test
  void pythonFloatReprIsWhatJsonDumpsWrites() {
    assertThat(DataGenerator.pythonRepr(0)).isEqualTo("0.0");
    assertThat(DataGenerator.pythonRepr(100_000)).isEqualTo("0.1");
    assertThat(DataGenerator.pythonRepr(123_456)).isEqualTo("0.123456");
    assertThat(DataGenerator.pythonRepr(100)).isEqualTo("0.0001");
    assertThat(DataGenerator.pythonRepr(12)).isEqualTo("1.2e-05");
    assertThat(DataGenerator.pythonRepr(50)).isEqualTo("5e-05");
    assertThat(DataGenerator.pythonRepr(5)).isEqualTo("5e-06");
  }
}
