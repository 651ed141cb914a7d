package io.expmgr.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConflictException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.SchemaException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.state.DatabaseLock;
import io.expmgr.support.TestDatabases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** transform-metrics on real SQLite files and a real MariaDB: results, resume, refusals. */
class MetricTransformRunTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    BatchEngine.faultHook = b -> {};
    MetricTransformRun.readAheadHook = id -> {};
    MetricTransformRun.movedHook = id -> {};
    made.forEach(TestDatabases::dispose);
  }

  /** 2 experiments x 3 trials x 2 runs x 5 epochs x 4 metrics, plus 2 legacy and 2 bad JSON. */
  private Database generated(Engine engine, String name) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, name + made.size());
    made.add(c);
    DataGenerator.generate(
        c, new GenerateOptions(2, 3, 2, 5, 4, 3, 1, 11, 2, 0, 2), false, ProgressListener.NONE);
    return Database.open(c, OpenMode.EXISTING);
  }

  private static TransformationRules rules(String json) {
    return TransformationRules.parse(json, "test rules");
  }

  private static final String SCALE =
      "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
          + "\"rules\":{\"factor\":0.5}}],\"global_settings\":{\"backup_original\":true}}";

  private static MigrationOptions opts(TransformationRules r, int batch) {
    return MigrationOptions.defaults()
        .withRules(r)
        .withBatchSize(batch)
        .withSafetySnapshot(false, null);
  }

  private static List<List<Object>> metrics(Database db) {
    return TestDatabases.content(db).get("METRIC");
  }

  /** What the rules make of each metric, computed row by row with the pure transformer. */
  private static List<List<Object>> expected(List<List<Object>> before, TransformationRules r) {
    MetricTransformer t = new MetricTransformer(r);
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> row : before) {
      MetricTransformer.Outcome o =
          t.apply(
              new MetricTransformer.MetricValues(
                  (String) row.get(1), (Double) row.get(2), (String) row.get(3), null));
      MetricTransformer.MetricValues v = o.failed() ? o.values() : o.values();
      out.add(java.util.Arrays.asList(row.get(0), v.type(), v.totalVal(), v.perLabelVal()));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aMetricChangedAfterItWasReadAheadIsTransformedFromItsNewValue(Engine engine) {
    Database db = generated(engine, "moved");
    List<List<Object>> before = metrics(db);
    List<Long> moved = java.util.Collections.synchronizedList(new ArrayList<>());
    MetricTransformRun.movedHook = moved::add;
    // Between batches 2 and 3, once batch 3 has been read ahead, another writer changes its first
    // metric.
    java.util.concurrent.atomic.AtomicLong third = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.CountDownLatch readAhead = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    MetricTransformRun.readAheadHook =
        first -> {
          if (reads.incrementAndGet() == 2) {
            third.set(first);
            readAhead.countDown();
          }
        };
    MigrationOptions o =
        opts(rules(SCALE), 7)
            .withProgress(
                p -> {
                  if (p.batches() != 2) {
                    return;
                  }
                  try {
                    assertThat(readAhead.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                  db.withConnection(
                      c -> {
                        try (var st = c.createStatement()) {
                          st.executeUpdate(
                              "UPDATE METRIC SET total_val = 0.75,"
                                  + " per_label_val = '{\"class_0\": 0.5}' WHERE id = "
                                  + third.get());
                        }
                        return null;
                      });
                });
    MigrationResult r = MetricTransformRun.run(db, List.of(), o);

    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(reads.get()).isGreaterThan(2);
    // Exactly the changed metric was found changed.
    assertThat(moved).containsExactly(third.get());
    long id = third.get();
    List<List<Object>> changed = new ArrayList<>();
    for (List<Object> row : before) {
      changed.add(
          ((Number) row.get(0)).longValue() == id
              ? java.util.Arrays.asList(row.get(0), row.get(1), 0.75, "{\"class_0\": 0.5}")
              : row);
    }
    // Transformed from the value it had when written, not the one read ahead.
    assertThat(metrics(db)).isEqualTo(expected(changed, rules(SCALE)));
    assertThat(metrics(db).stream().filter(m -> ((Number) m.get(0)).longValue() == id))
        .singleElement()
        .satisfies(m -> assertThat(m.get(2)).isEqualTo(0.375));
    // The original kept is the value it was changed from.
    assertThat(MetricTransformRun.rollback(db, r.runId(), false, null)).isEqualTo(r.changed());
    assertThat(metrics(db)).isEqualTo(changed);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void theTotalCountedBesideTheRunIsWhatTheRunHasToDo(Engine engine) {
    Database db = generated(engine, "total");
    long losses = metrics(db).stream().filter(m -> m.get(1).equals("loss")).count();
    // A rename takes metrics out of the count's filter as the batches go: the count must see the
    // database as it was when the run began.
    TransformationRules rename =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":"
                + "\"rename_type\",\"rules\":{\"to\":\"loss_renamed\"}}]}");
    AtomicInteger seen = new AtomicInteger();
    MigrationResult first =
        MetricTransformRun.run(
            db,
            List.of(),
            opts(rename, 7)
                .withProgress(p -> seen.incrementAndGet())
                .withStopRequested(() -> seen.get() >= 2));
    assertThat(first.outcome()).isEqualTo(MigrationResult.Outcome.INTERRUPTED);
    assertThat(first.total()).isEqualTo(losses);
    assertThat(MigrationRuns.list(db).get(0).total()).isEqualTo(losses);

    // A run killed before its count was in has no total; resuming it counts what is left.
    db.withConnection(
        c -> {
          try (var st = c.createStatement()) {
            st.executeUpdate("UPDATE expmgr_migration_runs SET total = -1");
          }
          return null;
        });
    MigrationResult rest = MetricTransformRun.run(db, List.of(), opts(rename, 7));
    assertThat(rest.resumed()).isTrue();
    assertThat(rest.total()).isEqualTo(losses);
    assertThat(rest.processed()).isEqualTo(losses);
    assertThat(MigrationRuns.list(db).get(0).total()).isEqualTo(losses);
  }

  @Test
  void betweenBatchesOtherWritersAreNotHeldOff() throws Exception {
    Database db = generated(Engine.SQLITE, "pause");
    Path file = made.get(made.size() - 1).sqlitePath();
    List<String> refused = new ArrayList<>();
    AtomicInteger writes = new AtomicInteger();
    MigrationOptions o =
        opts(rules(SCALE), 20)
            .withStrategy(MigrationStrategy.CONSERVATIVE)
            .withProgress(
                p -> {
                  // A writer that will not wait: it fails at once if the run holds the lock.
                  try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                      var st = c.createStatement()) {
                    st.execute("PRAGMA busy_timeout = 0");
                    st.executeUpdate("UPDATE EXPERIMENT SET title = title WHERE id = 1");
                    writes.incrementAndGet();
                  } catch (java.sql.SQLException e) {
                    refused.add(e.getMessage());
                  }
                });
    MigrationResult r = MetricTransformRun.run(db, List.of(), o);
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(refused).isEmpty();
    // After every batch, and once more at the end.
    assertThat(writes.get()).isEqualTo(r.batches() + 1).isGreaterThan(2);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void scalesEveryLossMetricOnceAndKeepsTheOriginals(Engine engine) {
    Database db = generated(engine, "scale");
    List<List<Object>> before = metrics(db);
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 7));

    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    List<List<Object>> after = metrics(db);
    assertThat(after).isEqualTo(expected(before, rules(SCALE)));
    long losses = before.stream().filter(row -> row.get(1).equals("loss")).count();
    assertThat(r.processed()).isEqualTo(losses);
    assertThat(r.changed() + r.failed()).isEqualTo(losses);
    assertThat(r.failed()).isLessThan(5);
    assertThat(r.batches()).isEqualTo((losses + 6) / 7);
    long kept = db.withConnection(c -> RunLedger.backupCount(c, db.dialect(), r.runId()));
    assertThat(kept).isEqualTo(r.changed());

    // The classic mistake, applying scale twice, is refused; --force does it.
    assertThatThrownBy(() -> MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 7)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("already did this")
        .hasMessageContaining("--force");
    assertThat(metrics(db)).isEqualTo(after);
    MigrationResult twice =
        MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 7).withForce(true));
    assertThat(twice.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(metrics(db)).isEqualTo(expected(after, rules(SCALE)));

    // Rolling back the later run first, then the first, gives back the original values.
    assertThatThrownBy(() -> MetricTransformRun.rollback(db, r.runId(), false, null))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("roll back run " + twice.runId() + " first");
    assertThat(MetricTransformRun.rollback(db, twice.runId(), false, null))
        .isEqualTo(twice.changed());
    assertThat(metrics(db)).isEqualTo(after);
    assertThat(MetricTransformRun.rollback(db, r.runId(), false, null)).isEqualTo(r.changed());
    assertThat(metrics(db)).isEqualTo(before);
    assertThat(MigrationRuns.list(db))
        .extracting(MigrationRun::state)
        .containsExactly(MigrationRun.State.ROLLED_BACK, MigrationRun.State.ROLLED_BACK);
    assertThatThrownBy(() -> MetricTransformRun.rollback(db, r.runId(), false, null))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("already rolled back");
    assertThatThrownBy(() -> MetricTransformRun.rollback(db, 99, false, null))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("run 99 does not exist");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aCrashInAnyBatchThenARerunGivesExactlyTheUninterruptedResult(Engine engine) {
    Database reference = generated(engine, "ref");
    MetricTransformRun.run(reference, List.of(), opts(rules(SCALE), 5));
    List<List<Object>> wanted = metrics(reference);

    Database db = generated(engine, "crash");
    List<List<Object>> before = metrics(db);
    for (long failAt : new long[] {1, 3, 4}) {
      BatchEngine.faultHook =
          b -> {
            if (b == failAt) {
              throw new IllegalStateException("simulated crash in batch " + b);
            }
          };
      assertThatThrownBy(() -> MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 5)))
          .hasMessageContaining("simulated crash");
      assertThat(MigrationRuns.list(db).get(0).state()).isEqualTo(MigrationRun.State.INTERRUPTED);
      assertThat(MigrationRuns.list(db).get(0).batches()).isEqualTo(failAt - 1);
    }
    assertThat(metrics(db)).isNotEqualTo(before).isNotEqualTo(wanted);
    BatchEngine.faultHook = b -> {};
    // A resume may use another batch size: the checkpoint is a metric id, not a batch number.
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 3));
    assertThat(r.resumed()).isTrue();
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(metrics(db)).isEqualTo(wanted);
    assertThat(MigrationRuns.list(db)).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aStopRequestEndsAfterTheBatchAndTheSameCommandResumes(Engine engine) {
    Database db = generated(engine, "stop");
    List<List<Object>> before = metrics(db);
    AtomicInteger seen = new AtomicInteger();
    MigrationOptions o =
        opts(rules(SCALE), 4)
            .withProgress(p -> seen.incrementAndGet())
            .withStopRequested(() -> seen.get() >= 2);
    MigrationResult first = MetricTransformRun.run(db, List.of(), o);
    assertThat(first.outcome()).isEqualTo(MigrationResult.Outcome.INTERRUPTED);
    assertThat(first.processed()).isEqualTo(8);
    assertThat(MigrationRuns.list(db).get(0).state()).isEqualTo(MigrationRun.State.INTERRUPTED);

    // Other rules do not resume it...
    String other = SCALE.replace("0.5", "2");
    assertThatThrownBy(() -> MetricTransformRun.run(db, List.of(), opts(rules(other), 4)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("--restart");
    // ...the same rules do, and the result is as if it had never stopped.
    MigrationResult rest = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 4));
    assertThat(rest.resumed()).isTrue();
    assertThat(rest.processed()).isEqualTo(rest.total());
    assertThat(metrics(db)).isEqualTo(expected(before, rules(SCALE)));
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void rollbackOnErrorUndoesTheWholeRun(Engine engine) {
    Database db = generated(engine, "rollback");
    List<List<Object>> before = metrics(db);
    // Every type, so the planted bad JSON is reached after several good batches.
    TransformationRules r =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":"
                + "\"normalize_json_keys\",\"rules\":{\"key_mapping\":{\"class_0\":\"c0\"}}}],"
                + "\"global_settings\":{\"rollback_on_error\":true}}");
    MigrationResult res = MetricTransformRun.run(db, List.of(), opts(r, 10));
    assertThat(res.outcome()).isEqualTo(MigrationResult.Outcome.ROLLED_BACK);
    assertThat(res.failed()).isEqualTo(1);
    assertThat(metrics(db)).isEqualTo(before);
    assertThat(MigrationRuns.list(db).get(0).state()).isEqualTo(MigrationRun.State.ROLLED_BACK);

    // Without it, the broken metrics are counted and reported and the rest is transformed.
    TransformationRules lenient =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":"
                + "\"normalize_json_keys\",\"rules\":{\"key_mapping\":{\"class_0\":\"c0\"}}}]}");
    MigrationResult ok = MetricTransformRun.run(db, List.of(), opts(lenient, 10));
    assertThat(ok.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(ok.failed()).isBetween(2L, 4L);
    assertThat(ok.failures())
        .allSatisfy(f -> assertThat(f.reason()).contains("normalize_json_keys"));
    assertThat(metrics(db)).isEqualTo(expected(before, lenient));
  }

  @Test
  void onlyTheNamedExperimentsChange() {
    Database db = generated(Engine.SQLITE, "scope");
    List<List<Object>> before = metrics(db);
    MigrationResult r = MetricTransformRun.run(db, List.of(2L), opts(rules(SCALE), 100));
    List<List<Object>> after = metrics(db);
    long changedRows = 0;
    for (int i = 0; i < before.size(); i++) {
      if (!before.get(i).equals(after.get(i))) {
        changedRows++;
      }
    }
    assertThat(changedRows).isEqualTo(r.changed()).isPositive();
    long lossesOfExperiment2 =
        db.withConnection(
            c -> {
              try (var st = c.createStatement();
                  var rs =
                      st.executeQuery(
                          "SELECT count(DISTINCT m.id) FROM METRIC m JOIN EPOCH_METRIC em ON"
                              + " em.metric_id = m.id JOIN TRIAL_RUN tr ON tr.id ="
                              + " em.epoch_trial_run_id JOIN TRIAL t ON t.id = tr.trial_id WHERE"
                              + " t.experiment_id = 2 AND m.type = 'loss'")) {
                rs.next();
                return rs.getLong(1);
              }
            });
    assertThat(r.processed()).isGreaterThanOrEqualTo(lossesOfExperiment2);
    assertThatThrownBy(() -> MetricTransformRun.run(db, List.of(7L), opts(rules(SCALE), 100)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("experiment 7 does not exist");
  }

  @Test
  void aSecondRunIsRefusedNamingTheFirstAndADryRunWritesNothing() {
    Database db = generated(Engine.SQLITE, "lock");
    List<List<Object>> before = metrics(db);
    try (DatabaseLock held = DatabaseLock.acquire(db, "migration", "migration run", null)) {
      assertThatThrownBy(() -> MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 100)))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining("migration run");
    }
    MigrationResult dry =
        MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 100).withDryRun(true));
    assertThat(dry.outcome()).isEqualTo(MigrationResult.Outcome.DRY_RUN);
    assertThat(dry.changed()).isPositive();
    assertThat(metrics(db)).isEqualTo(before);
    assertThat(MigrationRuns.list(db)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"MYSQL", "POSTGRES"})
  void theLockIsFreeTheMomentItsHolderLetsGo(Engine engine) throws Exception {
    // A server drops a closed session's named locks a moment after the client closes it, so the
    // holder releases its lock first: here the holder's connection is still open when a second
    // one takes the lock.
    Database db = generated(engine, "relock");
    try (java.sql.Connection first = db.connect();
        java.sql.Connection second = db.connect()) {
      assertThat(db.dialect().tryNamedLock(first, "expmgr_test")).isTrue();
      assertThat(db.dialect().tryNamedLock(second, "expmgr_test")).isFalse();
      db.dialect().releaseNamedLock(first, "expmgr_test");
      assertThat(db.dialect().tryNamedLock(second, "expmgr_test")).isTrue();
    }
    // The next command, started at once, does not find the lock still held. Busy threads make
    // the server's clean-up late, as on a loaded machine; without the release this failed.
    AtomicBoolean done = new AtomicBoolean();
    List<Thread> busy = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Thread t =
          new Thread(
              () -> {
                long x = 0;
                while (!done.get()) {
                  x++;
                }
              });
      t.start();
      busy.add(t);
    }
    try {
      for (int i = 0; i < 300; i++) {
        DatabaseLock.acquire(db, "migration", "migration run", null).close();
      }
    } finally {
      done.set(true);
    }
    for (Thread t : busy) {
      t.join();
    }
    try (DatabaseLock held = DatabaseLock.acquire(db, "migration", "migration run", null)) {
      assertThatThrownBy(() -> DatabaseLock.acquire(db, "migration", "migration run", null))
          .isInstanceOf(ConflictException.class);
    }
  }

  @Test
  void theLockHoldsThroughASymlinkAnotherSpellingAndAnotherHome() throws Exception {
    Database db = generated(Engine.SQLITE, "lock");
    Path file = db.config().sqlitePath();
    Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("alias.db"), file);
    java.nio.file.Files.createDirectories(dir.resolve("sub"));
    Path spelled = dir.resolve("sub").resolve("..").resolve(file.getFileName());
    List<List<Object>> before = metrics(db);
    String home = System.getProperty("expmgr.home");
    try (DatabaseLock held = DatabaseLock.acquire(db, "migration", "migration run", null)) {
      System.setProperty("expmgr.home", dir.resolve("other-home").toString());
      for (Path other : List.of(link, spelled)) {
        Database same = Database.open(ConnectionConfig.sqlite(other), OpenMode.EXISTING);
        assertThatThrownBy(() -> MetricTransformRun.run(same, List.of(), opts(rules(SCALE), 100)))
            .isInstanceOf(ConflictException.class)
            .hasMessageContaining("pid " + ProcessHandle.current().pid());
      }
    } finally {
      if (home == null) {
        System.clearProperty("expmgr.home");
      } else {
        System.setProperty("expmgr.home", home);
      }
    }
    assertThat(metrics(db)).isEqualTo(before);
    // The lock file sits beside the database, where every process sees it.
    assertThat(DatabaseLock.stateFile(db, "migration.lock").getParent())
        .isEqualTo(file.toRealPath().getParent());
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void noMetricIsScaledTwiceWhateverExperimentSetsTheRunsName(Engine engine) {
    Database db = generated(engine, "twice");
    List<List<Object>> once = expected(metrics(db), rules(SCALE));

    // Experiment 1 first, then every experiment: experiment 1's metrics are left as they are.
    MigrationResult first = MetricTransformRun.run(db, List.of(1L), opts(rules(SCALE), 50));
    MigrationResult all = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 50));
    assertThat(metrics(db)).isEqualTo(once);
    assertThat(first.changed()).isPositive();
    assertThat(all.message()).contains("already applied these rules").contains("--force");

    // An interrupted run on 1, then 1,2, then the interrupted one resumed: still once each.
    Database other = generated(engine, "twice");
    List<List<Object>> onceOther = expected(metrics(other), rules(SCALE));
    AtomicInteger seen = new AtomicInteger();
    MigrationResult cut =
        MetricTransformRun.run(
            other,
            List.of(1L),
            opts(rules(SCALE), 7)
                .withProgress(p -> seen.incrementAndGet())
                .withStopRequested(() -> seen.get() >= 2));
    assertThat(cut.outcome()).isEqualTo(MigrationResult.Outcome.INTERRUPTED);
    MetricTransformRun.run(other, List.of(1L, 2L), opts(rules(SCALE), 7));
    MigrationResult resumed = MetricTransformRun.run(other, List.of(1L), opts(rules(SCALE), 7));
    assertThat(resumed.resumed()).isTrue();
    MetricTransformRun.run(other, List.of(), opts(rules(SCALE), 7));
    assertThat(metrics(other)).isEqualTo(onceOther);

    // --force applies the rules again, on purpose.
    MigrationResult forced =
        MetricTransformRun.run(other, List.of(2L), opts(rules(SCALE), 7).withForce(true));
    assertThat(forced.changed()).isPositive();
    assertThat(metrics(other)).isNotEqualTo(onceOther);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void besideAnotherWriterEveryPlannedMetricChangesOnceAndTheWritersRowsStay(Engine engine) {
    Database db = generated(engine, "live");
    List<List<Object>> once = expected(metrics(db), rules(SCALE));
    int[] writes = {0};
    // After every batch another program adds a loss metric and changes nothing else.
    BatchEngine.afterCommitHook =
        b ->
            db.withConnection(
                c -> {
                  io.expmgr.db.Dialect.execute(
                      c,
                      "INSERT INTO "
                          + db.dialect().quote("METRIC")
                          + " (type, total_val, per_label_val) VALUES ('loss', 7, NULL)");
                  writes[0]++;
                  return null;
                });
    MigrationResult r;
    try {
      r = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 9));
    } finally {
      BatchEngine.afterCommitHook = b -> {};
    }
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(writes[0]).isGreaterThan(2);
    List<List<Object>> after = metrics(db);
    // The metrics the run planned changed once; the ones written beside it are as written.
    assertThat(after.subList(0, once.size())).isEqualTo(once);
    assertThat(after.subList(once.size(), after.size()))
        .hasSize(writes[0])
        .allSatisfy(m -> assertThat(((Number) m.get(2)).doubleValue()).isEqualTo(7.0));
  }

  @Test
  void aDeadlockOrABusyDatabaseStopsABatchAndTheRunResumesByItself() {
    Database reference = generated(Engine.SQLITE, "ref");
    MetricTransformRun.run(reference, List.of(), opts(rules(SCALE), 5));
    Database db = generated(Engine.SQLITE, "deadlock");
    int[] thrown = {0};
    BatchEngine.faultHook =
        b -> {
          if ((b == 2 || b == 4) && thrown[0] < 2) {
            thrown[0]++;
            throw new io.expmgr.DataAccessException(
                "lock",
                new java.sql.SQLException(
                    b == 2
                        ? "Deadlock found when trying to get lock"
                        : "[SQLITE_BUSY] The database file is locked",
                    b == 2 ? "40001" : null,
                    b == 2 ? 1213 : 5));
          }
        };
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 5));
    assertThat(thrown[0]).isEqualTo(2);
    assertThat(r.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
    assertThat(metrics(db)).isEqualTo(metrics(reference));
    assertThat(MigrationRuns.list(db)).hasSize(1);

    // Anything else stops the run as before.
    Database other = generated(Engine.SQLITE, "other");
    BatchEngine.faultHook =
        b -> {
          throw new IllegalStateException("simulated crash in batch " + b);
        };
    assertThatThrownBy(() -> MetricTransformRun.run(other, List.of(), opts(rules(SCALE), 5)))
        .hasMessageContaining("simulated crash");
  }

  @Test
  void aScaleThatOverflowsIsAFailureOfThatMetricNotInfinity() {
    Database db = generated(Engine.SQLITE, "overflow");
    TransformationRules times10 =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":"
                + "\"scale\",\"rules\":{\"factor\":10}}]}");
    long plantedBad =
        MetricTransformRun.run(db, List.of(), opts(times10, 50).withDryRun(true)).failed();
    db.withConnection(
        c -> {
          try (var st = c.createStatement()) {
            st.executeUpdate(
                "UPDATE METRIC SET total_val = 1e308, per_label_val = '{\"a\": 1e308}'"
                    + " WHERE id = (SELECT min(id) FROM METRIC WHERE type = 'loss')");
          }
          return null;
        });
    List<List<Object>> before = metrics(db);
    MigrationResult r = MetricTransformRun.run(db, List.of(), opts(times10, 50));

    assertThat(r.failed()).isEqualTo(plantedBad + 1);
    List<Object> huge1 = before.stream().filter(m -> m.get(1).equals("loss")).findFirst().get();
    assertThat(metrics(db).get(before.indexOf(huge1))).isEqualTo(huge1);
    assertThat(metrics(db).toString()).doesNotContain("Infinity");
  }

  @Test
  void addMetadataOnSchema10IsRefusedNamingTheUpgrade() {
    Database db = generated(Engine.SQLITE, "meta");
    List<List<Object>> before = metrics(db);
    TransformationRules r =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":"
                + "\"add_metadata\",\"rules\":{\"metadata\":{\"unit\":\"nats\"}}}]}");
    assertThatThrownBy(() -> MetricTransformRun.run(db, List.of(), opts(r, 100)))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("schema upgrade");
    assertThat(metrics(db)).isEqualTo(before);
  }

  @Test
  void conservativeChecksEachBatchAndPauses() {
    Database db = generated(Engine.SQLITE, "conservative");
    List<List<Object>> before = metrics(db);
    MigrationResult r =
        MetricTransformRun.run(
            db, List.of(), opts(rules(SCALE), 0).withStrategy(MigrationStrategy.CONSERVATIVE));
    assertThat(r.batches()).isEqualTo((r.processed() + 99) / 100);
    assertThat(metrics(db)).isEqualTo(expected(before, rules(SCALE)));
    assertThat(Map.of("batches", r.batchMillis().size()))
        .containsEntry("batches", (int) r.batches());
  }

  /**
   * Each committed batch is recorded with its attempt, so a report charts the run across a stop and
   * a resume; the originals kept give the values before and after, binned over one range.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void aRunRecordsEachBatchAcrossAResumeAndItsValuesBeforeAndAfter(Engine engine) {
    Database db = generated(engine, "history");
    long losses = metrics(db).stream().filter(m -> m.get(1).equals("loss")).count();
    AtomicInteger seen = new AtomicInteger();
    MigrationResult first =
        MetricTransformRun.run(
            db,
            List.of(),
            opts(rules(SCALE), 10)
                .withProgress(p -> seen.incrementAndGet())
                .withStopRequested(() -> seen.get() >= 2));
    assertThat(first.outcome()).isEqualTo(MigrationResult.Outcome.INTERRUPTED);
    MigrationResult rest = MetricTransformRun.run(db, List.of(), opts(rules(SCALE), 10));
    assertThat(rest.resumed()).isTrue();

    List<MigrationRuns.BatchRecord> h = MigrationRuns.history(db, rest.runId(), 1000);
    assertThat(h).hasSize((int) rest.batches());
    assertThat(h.get(0).attempt()).isEqualTo(1);
    assertThat(h.get(h.size() - 1).attempt()).isEqualTo(2);
    for (int i = 0; i < h.size(); i++) {
      assertThat(h.get(i).batch()).isEqualTo(i + 1);
      assertThat(h.get(i).millis()).isNotNegative();
      if (i > 0) {
        assertThat(h.get(i).processed()).isGreaterThan(h.get(i - 1).processed());
        assertThat(h.get(i).finishedAt()).isAfterOrEqualTo(h.get(i - 1).finishedAt());
      }
    }
    assertThat(h.get(h.size() - 1).processed()).isEqualTo(rest.processed());

    // Thinned for a chart: few points, still the first batch of each attempt and the last one.
    List<MigrationRuns.BatchRecord> thin = MigrationRuns.history(db, rest.runId(), 2);
    assertThat(thin.size()).isLessThan(h.size());
    assertThat(thin.stream().map(MigrationRuns.BatchRecord::attempt).distinct()).hasSize(2);
    assertThat(thin.get(thin.size() - 1).batch()).isEqualTo(rest.batches());

    List<MigrationRuns.Distribution> dist = MigrationRuns.valueDistribution(db, rest.runId(), 10);
    assertThat(dist).hasSize(1);
    MigrationRuns.Distribution loss = dist.get(0);
    assertThat(loss.type()).isEqualTo("loss");
    // Every loss the run changed (a planted bad one fails and keeps no original).
    assertThat(loss.count()).isEqualTo(rest.changed()).isBetween(losses - 2, losses);
    assertThat(java.util.Arrays.stream(loss.before()).sum()).isEqualTo(rest.changed());
    assertThat(java.util.Arrays.stream(loss.after()).sum()).isEqualTo(rest.changed());
    // Halved: the values after sit lower in the common range than those before.
    assertThat(meanBin(loss.after())).isLessThan(meanBin(loss.before()));
    assertThat(MigrationRuns.history(db, 424242, 10)).isEmpty();
  }

  private static double meanBin(long[] bins) {
    double sum = 0;
    long n = 0;
    for (int i = 0; i < bins.length; i++) {
      sum += i * (double) bins[i];
      n += bins[i];
    }
    return sum / n;
  }
}
