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
import io.expmgr.support.ExperimentView;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.MysqlDump;
import io.expmgr.support.SqliteDump;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    BatchEngine.afterCommitHook = b -> {};
    made.forEach(TestDatabases::dispose);
  }

  private static MigrationOptions opts(int batch) {
    return MigrationOptions.defaults().withBatchSize(batch).withSafetySnapshot(false, null);
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
      Map<String, List<String>> source = ExperimentView.of(db, e, false);
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
        assertThat(ExperimentView.of(db, r.newExperimentId(), false))
            .as("experiment " + e)
            .isEqualTo(source);
        assertThat(sum(r)).isEqualTo(r.processed()).isEqualTo(sizes(source));
      }
      assertThat(ExperimentView.of(db, e, false)).isEqualTo(source);
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
    Map<String, List<String>> source = ExperimentView.of(db, 1, false);
    long linksToEpochN =
        TestDatabases.scalar(
            db,
            "SELECT count(*) FROM EPOCH_METRIC l JOIN TRIAL_RUN r ON r.id = l.epoch_trial_run_id"
                + " JOIN TRIAL t ON t.id = r.trial_id WHERE t.experiment_id = 1 AND NOT EXISTS"
                + " (SELECT 1 FROM EPOCH p WHERE p.idx = l.epoch_idx AND p.trial_run_id ="
                + " l.epoch_trial_run_id)");
    assertThat(linksToEpochN).isPositive();
    assertThat(source.get("BATCH_METRIC")).isNotEmpty();

    MigrationResult r = ExperimentMigration.run(db, db, 1, null, opts(5));
    assertThat(ExperimentView.of(db, r.newExperimentId(), false)).isEqualTo(source);
    assertThat(r.rows().get("EPOCH_METRIC")).isEqualTo(source.get("EPOCH_METRIC").size());
    assertThat(r.rows().get("BATCH_METRIC")).isEqualTo(source.get("BATCH_METRIC").size());
    // The copy's links to epoch N point where the source's do: one past its runs' last epoch.
    long copied =
        TestDatabases.scalar(
            db,
            "SELECT count(*) FROM EPOCH_METRIC l JOIN TRIAL_RUN r ON r.id = l.epoch_trial_run_id"
                + " JOIN TRIAL t ON t.id = r.trial_id WHERE t.experiment_id = "
                + r.newExperimentId()
                + " AND l.epoch_idx = (SELECT max(idx) + 1 FROM EPOCH p WHERE p.trial_run_id ="
                + " r.id)");
    assertThat(copied).isEqualTo(linksToEpochN);
  }

  @Test
  void intoAnotherTrackerFileTheTextIsKeptAndATargetWithoutTheBatchLevelIsRefused() {
    Path src = dir.resolve("src.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(src), TrackerFixtures.batchShape(12, false));
    Database source = Database.open(ConnectionConfig.sqlite(src), OpenMode.EXISTING);
    String sourceDump = SqliteDump.of(src);
    Map<String, List<String>> view = ExperimentView.of(source, 2, false);

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
    assertThat(ExperimentView.of(tgt, r.newExperimentId(), false)).isEqualTo(view);
    assertThat(SqliteDump.difference(sourceDump, SqliteDump.of(src))).isEmpty();
  }

  /**
   * What makes a tracker SQLite file's values fit the tracker's MariaDB columns: whole seconds,
   * totals a single-precision FLOAT holds.
   */
  private static List<String> wholeSecondsAndFloats() {
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
    return whole;
  }

  /** What the tracker's code does while a copy runs: new rows with generated ids. */
  private static void trackerWrites(Database db, int n) {
    String now = "'2026-11-30T10:00:00'";
    sql(
        db,
        "INSERT INTO EXPERIMENT (title, "
            + (db.engine() == io.expmgr.db.Engine.MYSQL ? "`desc`" : "desc")
            + ", start_time, update_time) VALUES ('live "
            + n
            + "', 'x', "
            + now
            + ", "
            + now
            + ")",
        "INSERT INTO TRIAL (name, experiment_id, start_time, update_time) VALUES ('live',"
            + " (SELECT max(id) FROM EXPERIMENT), "
            + now
            + ", "
            + now
            + ")",
        "INSERT INTO TRIAL_RUN (trial_id, status, start_time, update_time) VALUES ((SELECT"
            + " max(id) FROM TRIAL), 'running', "
            + now
            + ", "
            + now
            + ")",
        "INSERT INTO METRIC (type, total_val, per_label_val) VALUES ('live', 1, NULL)",
        "INSERT INTO ARTIFACT (type, loc) VALUES ('live', '/tmp/x')");
  }

  /**
   * Runs work while the tracker writes a row of each kind after every batch the run commits, with
   * ids the database generates: the ids the run planned for its later batches, unless reserved.
   */
  private static <T> T withWriter(Database db, int[] writes, java.util.function.Supplier<T> work) {
    BatchEngine.afterCommitHook = b -> trackerWrites(db, ++writes[0]);
    try {
      return work.get();
    } finally {
      BatchEngine.afterCommitHook = b -> {};
    }
  }

  @Test
  void besideAnotherWriterTheCopyIsExactAndTheWritersRowsStay() {
    Path file = dir.resolve("live.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(file), TrackerFixtures.batchShape(16, false));
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    Map<String, List<String>> source = ExperimentView.of(db, 1, false);
    int[] writes = {0};
    // The tracker writes a row of each kind all along, with ids the database generates.
    MigrationResult r =
        withWriter(db, writes, () -> ExperimentMigration.run(db, db, 1, null, opts(7)));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(writes[0]).isGreaterThan(3);
    assertThat(ExperimentView.of(db, r.newExperimentId(), false)).isEqualTo(source);
    assertThat(TestDatabases.scalar(db, "SELECT count(*) FROM METRIC WHERE type = 'live'"))
        .isEqualTo(writes[0]);

    // A run stopped before its first batch committed, then the tracker takes the ids it planned
    // (its reservation went with the rollback of nothing: SQLite's sequence is in the file): the
    // resume plans again and completes.
    Map<String, List<String>> two = ExperimentView.of(db, 2, false);
    BatchEngine.faultHook =
        b -> {
          throw new IllegalStateException("simulated crash in batch " + b);
        };
    assertThatThrownBy(() -> ExperimentMigration.run(db, db, 2, null, opts(7)))
        .hasMessageContaining("simulated crash");
    BatchEngine.faultHook = b -> {};
    sql(db, "UPDATE sqlite_sequence SET seq = seq - 1000 WHERE seq > 1000");
    for (int i = 0; i < 3; i++) {
      trackerWrites(db, 1000 + i);
    }
    MigrationResult again = ExperimentMigration.run(db, db, 2, null, opts(7));
    assertThat(again.resumed()).isTrue();
    assertThat(ExperimentView.of(db, again.newExperimentId(), false)).isEqualTo(two);

    // Into the tracker's MariaDB tables, beside the tracker writing there.
    ConnectionConfig maria = MariaDbServer.get().newLatin1Database("trklive");
    made.add(maria);
    TrackerFixtures.generate(maria, TrackerFixtures.batchShape(17, false));
    Database tgt = Database.open(maria, OpenMode.EXISTING);
    List<String> whole = wholeSecondsAndFloats();
    sql(db, whole.toArray(String[]::new));
    Map<String, List<String>> view = ExperimentView.of(db, 1, true);
    int[] there = {0};
    MigrationResult m =
        withWriter(tgt, there, () -> ExperimentMigration.run(db, tgt, 1, null, opts(7)));
    assertThat(there[0]).isGreaterThan(3);
    assertThat(m.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(ExperimentView.of(tgt, m.newExperimentId(), true)).isEqualTo(view);
    assertThat(TestDatabases.scalar(tgt, "SELECT count(*) FROM METRIC WHERE type = 'live'"))
        .isEqualTo(there[0]);
  }

  @Test
  void onExpmgrsOwnLayoutAWriterBetweenBatchesNeverTakesAPlannedId() {
    // Databases expmgr makes declare their ids AUTOINCREMENT as the tracker does, so the ids a
    // run reserved stay its own even when another program inserts after every committed batch
    // (with max + 1 ids that program would take the next batch's ids).
    Path file = dir.resolve("own.db");
    io.expmgr.generate.DataGenerator.generate(
        ConnectionConfig.sqlite(file),
        new io.expmgr.generate.GenerateOptions(2, 2, 2, 3, 3, 2, 1, 5, 0, 0, 0),
        false,
        io.expmgr.ProgressListener.NONE);
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    assertThat(
            TestDatabases.scalar(
                db, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'"))
        .isPositive();
    Map<String, List<String>> source = ExperimentView.of(db, 1, false);
    int[] writes = {0};
    MigrationResult r =
        withWriter(db, writes, () -> ExperimentMigration.run(db, db, 1, null, opts(5)));
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(writes[0]).isGreaterThan(3);
    assertThat(ExperimentView.of(db, r.newExperimentId(), false)).isEqualTo(source);
    assertThat(TestDatabases.scalar(db, "SELECT count(*) FROM METRIC WHERE type = 'live'"))
        .isEqualTo(writes[0]);
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
    assertThat(ExperimentView.of(tgt, r.newExperimentId(), false))
        .isEqualTo(ExperimentView.of(source, 1, false));
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
    List<String> whole = wholeSecondsAndFloats();
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
    assertThat(ExperimentView.of(tgt, r.newExperimentId(), true))
        .isEqualTo(ExperimentView.of(source, 1, true));
  }

  private static String without(String dump) {
    return MysqlDump.withoutTables(dump, "expmgr_");
  }
}
