package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.InvalidInputException;
import io.expmgr.SchemaException;
import io.expmgr.api.Artifact;
import io.expmgr.api.DatabaseManager;
import io.expmgr.api.Epoch;
import io.expmgr.api.Experiment;
import io.expmgr.api.Metric;
import io.expmgr.api.Results;
import io.expmgr.api.Trial;
import io.expmgr.api.TrialRun;
import io.expmgr.schema.SchemaMigrator;
import java.sql.ResultSet;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every engine must keep: the schema, DatabaseManager, and lossless round trips of
 * every column type. Subclasses supply a fresh database of their engine.
 */
abstract class DatabaseContractTest {
  protected ConnectionConfig config;
  protected DatabaseManager db;

  /** A database that does not exist yet (a missing file, or an unused MySQL name). */
  protected abstract ConnectionConfig freshConfig();

  /** Removes what {@link #freshConfig()} made. */
  protected abstract void dispose(ConnectionConfig config);

  @BeforeEach
  void createDatabase() {
    config = freshConfig();
    db = DatabaseManager.create(config);
  }

  @AfterEach
  void closeDatabase() {
    if (db != null) {
      db.close();
    }
    dispose(config);
  }

  @Test
  void createsSchemaOneZeroWithEveryTableAndColumnOfTheModel() {
    Database d = db.database();
    assertThat(SchemaMigrator.recordedVersion(d)).contains("1.0");
    SchemaCheck.Gaps gaps = d.withConnection(c -> SchemaCheck.gaps(d, c, Schema.v1()));
    assertThat(gaps.missingTables()).isEmpty();
    assertThat(gaps.missingColumns()).isEmpty();
    assertThat(d.existingTables()).containsAll(Schema.v1().tableNames());
  }

  @Test
  void creatingAgainAppliesNothingAndKeepsData() {
    long exp = db.createExperiment("kept", null);
    db.close();
    db = DatabaseManager.create(config);
    assertThat(SchemaMigrator.migrateToCurrent(db.database())).isZero();
    assertThat(db.getExperiment(exp)).map(Experiment::title).contains("kept");
  }

  @Test
  void declaresEveryForeignKeyOfTheModelIncludingComposite() {
    Database d = db.database();
    Map<String, List<String>> declared =
        d.withConnection(
            c -> {
              Map<String, List<String>> out = new LinkedHashMap<>();
              String catalog = d.engine() == Engine.MYSQL ? d.config().database() : null;
              for (Table t : Schema.v1().tables()) {
                List<String> fks = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getImportedKeys(catalog, null, t.name())) {
                  while (rs.next()) {
                    fks.add(
                        rs.getString("FKCOLUMN_NAME").toLowerCase()
                            + "->"
                            + rs.getString("PKTABLE_NAME").toUpperCase()
                            + "."
                            + rs.getString("PKCOLUMN_NAME").toLowerCase());
                  }
                }
                out.put(t.name(), fks);
              }
              return out;
            });
    for (Table t : Schema.v1().tables()) {
      List<String> expected = new ArrayList<>();
      for (ForeignKey fk : t.foreignKeys()) {
        for (int i = 0; i < fk.columns().size(); i++) {
          expected.add(
              fk.columns().get(i) + "->" + fk.parentTable() + "." + fk.parentColumns().get(i));
        }
      }
      assertThat(declared.get(t.name())).as(t.name()).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  @Test
  void storesTheWholeHierarchyAndReadsItBack() {
    LocalDateTime t0 = LocalDateTime.of(2024, 5, 1, 12, 0, 0, 123_456_000);
    long exp = db.createExperiment("sweep", "lr sweep", t0, t0.plusHours(1));
    long trial = db.createTrial(exp, "lr=0.1", t0, t0.plusMinutes(5));
    long run = db.createTrialRun(trial, "RUNNING", t0, t0.plusMinutes(1));
    db.createEpoch(run, 0, t0.plusSeconds(10));
    db.createEpoch(run, 1, t0.plusSeconds(20));
    db.createResults(run, t0.plusSeconds(30));
    Map<String, Double> perLabel = new LinkedHashMap<>();
    perLabel.put("cat", 0.25);
    perLabel.put("dog", 0.75);
    long m1 = db.addEpochMetric(run, 1, "loss", 0.5, perLabel);
    long m2 = db.addResultsMetric(run, "accuracy", 0.9, null);
    long a1 = db.recordArtifact("config", "s3://b/config.yaml");
    long a2 = db.recordArtifact("checkpoint", "s3://b/epoch1.pt");
    db.linkExperimentArtifact(exp, a1);
    db.linkTrialArtifact(trial, a1);
    db.linkTrialRunArtifact(run, a1);
    db.linkResultsArtifact(run, a2);
    db.linkEpochArtifact(run, 1, a2);

    assertThat(db.getExperiment(exp))
        .contains(new Experiment(exp, "sweep", "lr sweep", t0, t0.plusHours(1)));
    assertThat(db.getTrials(exp))
        .containsExactly(new Trial(trial, "lr=0.1", exp, t0, t0.plusMinutes(5)));
    assertThat(db.getTrialRuns(trial))
        .containsExactly(new TrialRun(run, trial, "RUNNING", t0, t0.plusMinutes(1)));
    assertThat(db.getEpochs(run))
        .containsExactly(
            new Epoch(0, run, t0.plusSeconds(10)), new Epoch(1, run, t0.plusSeconds(20)));
    assertThat(db.getResults(run)).contains(new Results(run, t0.plusSeconds(30)));
    assertThat(db.getEpochMetrics(run, 1)).extracting(Metric::id).containsExactly(m1);
    assertThat(db.getEpochMetrics(run, 0)).isEmpty();
    assertThat(db.getMetric(m1).orElseThrow().perLabelValues()).containsExactlyEntriesOf(perLabel);
    assertThat(db.getResultsMetrics(run)).containsExactly(new Metric(m2, "accuracy", 0.9, null));
    Artifact config = new Artifact(a1, "config", "s3://b/config.yaml");
    Artifact checkpoint = new Artifact(a2, "checkpoint", "s3://b/epoch1.pt");
    assertThat(db.getExperimentArtifacts(exp)).containsExactly(config);
    assertThat(db.getTrialArtifacts(trial)).containsExactly(config);
    assertThat(db.getTrialRunArtifacts(run)).containsExactly(config);
    assertThat(db.getResultsArtifacts(run)).containsExactly(checkpoint);
    assertThat(db.getEpochArtifacts(run, 1)).containsExactly(checkpoint);
    assertThat(db.count("EPOCH_METRIC")).isEqualTo(1);
    assertThat(db.getExperiment(exp + 1000)).isEmpty();
  }

  @Test
  void textRoundTripsExactly() {
    List<String> texts =
        List.of(
            "plain",
            "quotes ' \" ` and back\\slash; DROP TABLE EXPERIMENT; --",
            "new\nline\r\nand\ttab",
            "unicode: é ü ß 中文 日本語 한국어 עברית العربية",
            "emoji outside the BMP: 🧪🚀👩‍🔬",
            "combining: e\u0301 vs \u00e9",
            "a".repeat(70_000),
            "trailing space ",
            "");
    for (String text : texts) {
      long exp = db.createExperiment("t", text);
      assertThat(db.getExperiment(exp).orElseThrow().desc()).isEqualTo(text);
      long art = db.recordArtifact("path", text);
      assertThat(db.getMetric(db.recordMetricJson("x", null, text)).orElseThrow().perLabelVal())
          .isEqualTo(text);
      assertThat(db.getExperimentArtifacts(exp)).isEmpty();
      db.linkExperimentArtifact(exp, art);
      assertThat(db.getExperimentArtifacts(exp)).extracting(Artifact::loc).containsExactly(text);
    }
    // Binary collation: titles that differ only in case or accent stay distinct.
    db.createExperiment("Résumé", null);
    db.createExperiment("resume", null);
    assertThat(db.query("SELECT count(*) AS n FROM EXPERIMENT WHERE title = ?", "resume"))
        .extracting(r -> ((Number) r.get("n")).longValue())
        .containsExactly(1L);
  }

  @Test
  void doublesRoundTripBitExactly() {
    List<Double> values =
        new ArrayList<>(
            List.of(
                0.0,
                0.1 + 0.2,
                1.0 / 3.0,
                -2.5e-308,
                Double.MIN_VALUE,
                Double.MIN_NORMAL,
                Double.MAX_VALUE,
                -Double.MAX_VALUE,
                123456789.123456789,
                1e300,
                9007199254740993.0,
                42.0));
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      double v;
      do {
        v = Double.longBitsToDouble(random.nextLong());
      } while (!Double.isFinite(v));
      values.add(v);
    }
    for (double v : values) {
      Map<String, Double> perLabel = Map.of("x", v);
      long id = db.recordMetric("m", v, perLabel);
      Metric m = db.getMetric(id).orElseThrow();
      assertThat(Double.doubleToLongBits(m.totalVal()))
          .as("total %s", v)
          .isEqualTo(Double.doubleToLongBits(v));
      assertThat(Double.doubleToLongBits(m.perLabelValues().get("x")))
          .as("label %s", v)
          .isEqualTo(Double.doubleToLongBits(v));
    }
  }

  @Test
  void nullsStayNull() {
    long exp = db.createExperiment("nulls", null, null, null);
    assertThat(db.getExperiment(exp)).contains(new Experiment(exp, "nulls", null, null, null));
    long m = db.recordMetric("m", null, null);
    assertThat(db.getMetric(m)).contains(new Metric(m, "m", null, null));
    long trial = db.createTrial(exp, "t", null, null);
    long run = db.createTrialRun(trial, null, null, null);
    db.createEpoch(run, 0, null);
    assertThat(db.getEpochs(run)).containsExactly(new Epoch(0, run, null));
  }

  @Test
  void timesKeepMicrosecondsAcrossTheWholeRange() {
    List<LocalDateTime> times =
        List.of(
            LocalDateTime.of(1970, 1, 1, 0, 0, 0, 1_000),
            LocalDateTime.of(2024, 2, 29, 23, 59, 59, 999_999_000),
            LocalDateTime.of(2038, 1, 19, 3, 14, 8, 500_000),
            LocalDateTime.of(1000, 1, 1, 0, 0),
            LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000));
    for (LocalDateTime t : times) {
      long exp = db.createExperiment("t", null, t, t);
      assertThat(db.getExperiment(exp).orElseThrow().startTime()).isEqualTo(t);
    }
    // Nanoseconds are below what every backend keeps: truncated to microseconds on write.
    LocalDateTime nanos = LocalDateTime.of(2024, 1, 1, 0, 0, 0, 123_456_789);
    long exp = db.createExperiment("n", null, nanos, nanos);
    assertThat(db.getExperiment(exp).orElseThrow().startTime())
        .isEqualTo(nanos.withNano(123_456_000));
  }

  @Test
  void rejectsNonFiniteMetricValuesBeforeWriting() {
    long before = db.count("METRIC");
    assertThatThrownBy(() -> db.recordMetric("loss", Double.NaN, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> db.recordMetric("loss", 1.0, Map.of("a", Double.POSITIVE_INFINITY)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("label 'a'");
    assertThat(db.count("METRIC")).isEqualTo(before);
  }

  @Test
  void rawQueriesAreParameterizedAndStream() {
    long exp = db.createExperiment("with trials", null);
    db.createTrial(exp, "t1");
    long lonely = db.createExperiment("without trials", null);
    // The FAQ's custom check, as a raw query.
    List<Map<String, Object>> rows =
        db.query(
            "SELECT e.id, e.title FROM EXPERIMENT e LEFT JOIN TRIAL t ON e.id = t.experiment_id"
                + " WHERE t.id IS NULL");
    assertThat(rows).extracting(r -> ((Number) r.get("id")).longValue()).containsExactly(lonely);
    List<String> titles = new ArrayList<>();
    db.forEachRow(
        "SELECT title FROM EXPERIMENT WHERE id >= ? ORDER BY id",
        rs -> titles.add(rs.getString(1)),
        exp);
    assertThat(titles).containsExactly("with trials", "without trials");
    assertThat(db.update("UPDATE EXPERIMENT SET title = ? WHERE id = ?", "renamed", lonely))
        .isEqualTo(1);
    assertThat(db.getExperiment(lonely).orElseThrow().title()).isEqualTo("renamed");
  }

  @Test
  void aFailedTransactionLeavesNothingBehind() {
    long before = db.count("EXPERIMENT");
    assertThatThrownBy(
            () ->
                db.inTransaction(
                    () -> {
                      db.createExperiment("first", null);
                      db.createExperiment("second", null);
                      throw new IllegalStateException("boom");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(db.count("EXPERIMENT")).isEqualTo(before);
    db.inTransaction(() -> db.createExperiment("third", null));
    assertThat(db.count("EXPERIMENT")).isEqualTo(before + 1);
  }

  @Test
  void opensOnlyDatabasesThatHaveTheTables() {
    db.close();
    db = null;
    try (DatabaseManager reopened = DatabaseManager.open(config)) {
      assertThat(reopened.listExperiments()).isEmpty();
    }
    Database raw = Database.open(config, OpenMode.EXISTING);
    raw.withConnection(
        c -> {
          Dialect.execute(c, "DROP TABLE " + raw.dialect().quote("EPOCH_ARTIFACT"));
          return null;
        });
    assertThatThrownBy(() -> DatabaseManager.open(config))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("missing tables: EPOCH_ARTIFACT");
  }
}
