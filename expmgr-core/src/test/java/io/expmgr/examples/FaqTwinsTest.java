package io.expmgr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Engine;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.manager.DataMigrationManager;
import io.expmgr.migrate.MigrationProgress;
import io.expmgr.migrate.MigrationResult;
import io.expmgr.migrate.MigrationStrategy;
import io.expmgr.snapshot.RetentionPolicy;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.support.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java twins of the FAQ snippets shown in docs/faq.md, on SQLite and the embedded MariaDB: the
 * code in the page is the code here.
 */
class FaqTwinsTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  private ConnectionConfig database(Engine engine, String name) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, name);
    made.add(c);
    DataGenerator.generate(
        c, new GenerateOptions(2, 2, 2, 3, 3, 2, 1, 7, 0, 0, 0), false, ProgressListener.NONE);
    return c;
  }

  // --- docs/faq.md "How do I monitor migration performance?" ---

  /** Collects what the FAQ's MigrationMonitor collects, from the progress after each batch. */
  static final class MigrationMonitor implements MigrationProgress.Listener {
    private final Instant start = Instant.now();
    private final List<Double> batchSeconds = new ArrayList<>();
    private long itemsProcessed;
    private long errors;
    private long memoryPeak;
    private Duration lastElapsed = Duration.ZERO;

    @Override
    public void onBatch(MigrationProgress p) {
      batchSeconds.add((p.elapsed().toNanos() - lastElapsed.toNanos()) / 1e9);
      lastElapsed = p.elapsed();
      itemsProcessed = p.processed();
      errors = p.failed();
      Runtime rt = Runtime.getRuntime();
      memoryPeak = Math.max(memoryPeak, rt.totalMemory() - rt.freeMemory());
    }

    Map<String, Object> generateReport() {
      double total = Duration.between(start, Instant.now()).toNanos() / 1e9;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("total_items", itemsProcessed);
      r.put("total_time", total);
      r.put("overall_rate", total > 0 ? itemsProcessed / total : 0);
      r.put("peak_memory_mb", memoryPeak / 1024.0 / 1024.0);
      r.put("error_count", errors);
      r.put(
          "average_batch_time",
          batchSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(0));
      return r;
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void monitorAMigration(Engine engine) {
    ConnectionConfig config = database(engine, "monitor");
    try (DatabaseManager db = DatabaseManager.open(config)) {
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snapshots"));
      MigrationMonitor monitor = new MigrationMonitor();
      MigrationResult result =
          migrator.migrateExperiment(1, MigrationStrategy.BALANCED, 50, monitor);
      Map<String, Object> report = monitor.generateReport();

      assertThat(result.outcome()).isEqualTo(MigrationResult.Outcome.COMPLETED);
      assertThat(report.get("total_items")).isEqualTo(result.processed());
      assertThat((Long) report.get("total_items")).isPositive();
      // One call per committed batch (and one when the run ends).
      assertThat(monitor.batchSeconds.size())
          .isBetween((int) result.batches(), (int) result.batches() + 1);
      assertThat((Double) report.get("peak_memory_mb")).isPositive();
      // The engine's own record of the same run: what `expmgr ... -o report.json` writes.
      assertThat(result.batchMillis()).hasSize((int) result.batches());
    }
  }

  // --- docs/faq.md "How do I handle very large experiments?" (chunked processing) ---

  /** Visits an experiment's runs in chunks, by key (no OFFSET rescans), streaming each chunk. */
  static long processLargeExperiment(DatabaseManager db, long experimentId, int chunkSize) {
    long done = 0;
    long after = 0;
    while (true) {
      List<Long> chunk = new ArrayList<>();
      db.forEachRow(
          "SELECT r.id FROM TRIAL_RUN r JOIN TRIAL t ON t.id = r.trial_id"
              + " WHERE t.experiment_id = ? AND r.id > ? ORDER BY r.id LIMIT "
              + chunkSize,
          row -> chunk.add(row.getLong(1)),
          experimentId,
          after);
      if (chunk.isEmpty()) {
        return done;
      }
      done += chunk.size(); // process the chunk here
      after = chunk.get(chunk.size() - 1);
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void processALargeExperimentInChunks(Engine engine) {
    ConnectionConfig config = database(engine, "chunks");
    try (DatabaseManager db = DatabaseManager.open(config)) {
      long runs =
          ((Number)
                  db.query(
                          "SELECT count(*) AS n FROM TRIAL_RUN r JOIN TRIAL t ON t.id = r.trial_id"
                              + " WHERE t.experiment_id = ?",
                          1)
                      .get(0)
                      .values()
                      .iterator()
                      .next())
              .longValue();
      assertThat(runs).isPositive();
      assertThat(processLargeExperiment(db, 1, 1)).isEqualTo(runs);
      assertThat(processLargeExperiment(db, 1, 3)).isEqualTo(runs);
    }
  }

  // --- docs/faq.md "What's the recommended retention policy for snapshots?" ---

  /** The FAQ's delete loop: each snapshot's kind from its tag or description, then its age. */
  static List<String> cleanupOldSnapshots(DataMigrationManager migrator, Instant now) {
    List<String> deleted = new ArrayList<>();
    for (SnapshotInfo s : migrator.snapshotManager().listSnapshots()) {
      RetentionPolicy.Kind kind = RetentionPolicy.Kind.of(s.tags(), s.description());
      Duration age = Duration.between(s.createdAt().toInstant(), now);
      boolean delete = kind != null && kind.kept() != null && age.compareTo(kind.kept()) > 0;
      if (delete) {
        migrator.snapshotManager().deleteSnapshot(s.id());
        deleted.add(s.id());
      }
    }
    return deleted;
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void applyTheRetentionTableByHandAndInOneCall(Engine engine) {
    ConnectionConfig config = database(engine, "retention");
    try (DatabaseManager db = DatabaseManager.open(config)) {
      DataMigrationManager migrator = new DataMigrationManager(db, dir.resolve("snap-" + engine));
      migrator.snapshotManager().createSnapshot("Daily automated backup");
      migrator.snapshotManager().createSnapshot("milestone: paper submitted");
      migrator.snapshotManager().createSnapshot("before the cleanup");
      // Today nothing is old enough; 40 days on, the daily one is.
      assertThat(cleanupOldSnapshots(migrator, Instant.now())).isEmpty();
      var plan =
          migrator
              .snapshotManager()
              .prune(RetentionPolicy.faqTable(), true, Instant.now().plus(Duration.ofDays(40)));
      assertThat(plan.removed())
          .extracting(SnapshotInfo::description)
          .containsExactly("Daily automated backup");
      List<String> deleted = cleanupOldSnapshots(migrator, Instant.now().plus(Duration.ofDays(40)));
      assertThat(deleted).containsExactly(plan.removed().get(0).id());
      assertThat(migrator.snapshotManager().listSnapshots())
          .extracting(SnapshotInfo::description)
          .containsExactlyInAnyOrder("milestone: paper submitted", "before the cleanup");
    }
  }

  // --- docs/faq.md "How do I migrate between different database types?" ---

  @ParameterizedTest
  @EnumSource(Engine.class)
  void exportFromOneEngineAndImportIntoTheOther(Engine from) throws Exception {
    ConnectionConfig source = database(from, "source");
    Engine to = from == Engine.SQLITE ? Engine.MYSQL : Engine.SQLITE;
    ConnectionConfig target = TestDatabases.fresh(to, dir, "target");
    made.add(target);
    Path file = dir.resolve("experiment_export.json");
    try (DatabaseManager src = DatabaseManager.open(source);
        DatabaseManager dst = DatabaseManager.create(target)) {
      new DataMigrationManager(src, dir.resolve("s1")).exportExperiment(1, file, true, true);
      long newId = new DataMigrationManager(dst, dir.resolve("s2")).importExperimentData(file);
      assertThat(dst.getExperiment(newId)).isPresent();
      assertThat(dst.getExperiment(newId).get().title())
          .isEqualTo(src.getExperiment(1).get().title());
      assertThat(dst.count("METRIC")).isPositive();
    }
  }
}
