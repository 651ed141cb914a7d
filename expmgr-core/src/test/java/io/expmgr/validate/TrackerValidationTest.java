package io.expmgr.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateResult;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Validation and cleanup on the databases the tracker writes: its DDL without secondary indexes,
 * the batch level, and the links to epoch N that its training loop writes on purpose.
 */
class TrackerValidationTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
    SqlChecks.observer = null;
  }

  private ConnectionConfig tracker(Engine engine, boolean planted, GenerateResult[] result) {
    ConnectionConfig c =
        engine == Engine.SQLITE
            ? ConnectionConfig.sqlite(dir.resolve("t" + made.size() + ".db"))
            : MariaDbServer.get().newLatin1Database("trkval");
    made.add(c);
    GenerateResult r =
        DataGenerator.generate(
            c, TrackerFixtures.batchShape(7, planted), false, ProgressListener.NONE);
    if (result != null) {
      result[0] = r;
    }
    return c;
  }

  @ParameterizedTest
  @ValueSource(strings = {TrackerFixtures.API_1_0, TrackerFixtures.BATCH_MNIST})
  void theTrackersOwnDatabasesHoldEveryKey(String fixture) {
    Path file = TrackerFixtures.copy(fixture, dir);
    try (DatabaseManager db = DatabaseManager.sqlite(file)) {
      ValidationReport r = new DataValidator(db).validateDataConsistency();
      assertThat(r.schemaVersion()).isEqualTo("1.0");
      assertThat(r.check(ForeignKeyCheck.NAME).orElseThrow().status()).isEqualTo(Status.PASS);
      assertThat(r.check(PerLabelValueCheck.NAME).orElseThrow().status()).isEqualTo(Status.PASS);
      assertThat(r.check(UnlinkedRowsCheck.NAME).orElseThrow().status()).isEqualTo(Status.PASS);
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void plantedOrphansAreFoundAtEveryLevelAndEpochNLinksAreNot(Engine engine) {
    GenerateResult[] generated = new GenerateResult[1];
    ConnectionConfig c = tracker(engine, true, generated);
    try (DatabaseManager db = DatabaseManager.open(c)) {
      ValidationReport r = new DataValidator(db).validateDataConsistency();
      // Exactly the planted rows, the batch level's included; none of the 16 links to epoch N.
      assertThat(new TreeMap<>(r.foreignKeyViolations()))
          .isEqualTo(new TreeMap<>(generated[0].orphansPerTable()));
      assertThat(generated[0].orphansPerTable()).containsKeys("BATCH", "BATCH_METRIC");
      CheckResult hierarchy = r.check(HierarchyCheck.NAME).orElseThrow();
      assertThat(hierarchy.details().get("final_epoch_links")).isEqualTo(16L);
      assertThat(hierarchy.summary()).contains("16 links to epoch N");
      // Metrics linked only through batches are linked.
      assertThat(r.check(UnlinkedRowsCheck.NAME).orElseThrow().details())
          .containsEntry("unlinked_metrics", 0L);
      // The sample names real violations, never a link to epoch N.
      Map<?, ?> epochLinks =
          (Map<?, ?>) r.check(ForeignKeyCheck.NAME).orElseThrow().details().get("EPOCH_METRIC");
      for (Object row : (List<?>) epochLinks.get("sample")) {
        assertThat(((Map<?, ?>) row).get("metric_id")).isNotNull();
        assertThat(((Number) ((Map<?, ?>) row).get("metric_id")).longValue())
            .isGreaterThanOrEqualTo(2_000_000_000L);
      }

      // Cleanup removes what was planted (and what hung off it), never the epoch-N links.
      CleanupResult cleaned = new OrphanCleaner(db.database(), 5).cleanup(false);
      assertThat(cleaned.deleted()).containsKeys("BATCH", "BATCH_METRIC", "EPOCH_METRIC");
      ValidationReport after = new DataValidator(db).validateDataConsistency();
      assertThat(after.foreignKeyViolations()).isEmpty();
      assertThat(after.check(HierarchyCheck.NAME).orElseThrow().details())
          .containsEntry("final_epoch_links", 16L);
    }
  }

  @Test
  void aMetricLinkedOnlyThroughABatchIsLinkedAndOneLinkedNowhereIsNot() {
    ConnectionConfig c = tracker(Engine.SQLITE, false, null);
    Database db = Database.open(c, io.expmgr.db.OpenMode.EXISTING);
    db.withConnection(
        conn -> {
          io.expmgr.db.Dialect.execute(
              conn,
              "INSERT INTO METRIC (id, type, total_val, per_label_val) VALUES (900, 'x', 1.0, NULL)");
          return null;
        });
    try (DatabaseManager m = DatabaseManager.open(c)) {
      ValidationReport r = new DataValidator(m).validateDataConsistency();
      CheckResult unlinked = r.check(UnlinkedRowsCheck.NAME).orElseThrow();
      assertThat(unlinked.details()).containsEntry("unlinked_metrics", 1L);
      assertThat(unlinked.sample()).hasSize(1);
      assertThat(unlinked.sample().get(0)).containsEntry("id", 900L);
    }
  }

  @Test
  void checkHierarchyOfOneExperimentCountsItsOwnEpochNLinks() {
    ConnectionConfig c = tracker(Engine.SQLITE, false, null);
    try (DatabaseManager db = DatabaseManager.open(c)) {
      ValidationReport r = new DataValidator(db).checkHierarchy(OptionalLong.of(1));
      assertThat(r.overallStatus()).isEqualTo(Status.PASS);
      // 2 trials x 2 runs of experiment 1, 2 final metrics each.
      assertThat(r.check(HierarchyCheck.NAME).orElseThrow().details())
          .containsEntry("final_epoch_links", 8L);
    }
  }

  /**
   * On a database without secondary indexes, no check may scan a table inside a correlated
   * subquery: that is a full scan per row, a square of the data (what made validate run for hours
   * on users' databases). Every statement the checks run is planned by SQLite and inspected.
   */
  @Test
  void noCheckScansATableOncePerRow() {
    ConnectionConfig c = tracker(Engine.SQLITE, true, null);
    List<String> statements = java.util.Collections.synchronizedList(new ArrayList<>());
    SqlChecks.observer = statements::add;
    try (DatabaseManager db = DatabaseManager.open(c)) {
      new DataValidator(db).validateDataConsistency();
      new DataValidator(db).checkHierarchy(OptionalLong.of(1));
    }
    SqlChecks.observer = null;
    assertThat(statements).hasSizeGreaterThan(10);
    Database db = Database.openReadOnly(c);
    for (String sql : statements) {
      List<String[]> plan =
          db.withConnection(
              conn -> {
                List<String[]> rows = new ArrayList<>();
                try (var st = conn.createStatement();
                    ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
                  while (rs.next()) {
                    rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(4)});
                  }
                }
                return rows;
              });
      Map<String, String> detailOf = new java.util.HashMap<>();
      plan.forEach(p -> detailOf.put(p[0], p[2]));
      for (String[] p : plan) {
        String parent = detailOf.getOrDefault(p[1], "");
        if (parent.startsWith("CORRELATED") && p[2].startsWith("SCAN ")) {
          throw new AssertionError(
              "a full scan per row (" + p[2] + " under " + parent + ") in: " + sql);
        }
      }
    }
  }
}
