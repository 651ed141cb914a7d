package io.expmgr.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.expmgr.ConflictException;
import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.manager.DataMigrationManager;
import io.expmgr.support.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Export and import: lossless across engines, all or nothing, idempotent. */
class ExportImportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();
  private final List<DatabaseManager> open = new ArrayList<>();

  @AfterEach
  void dispose() {
    open.forEach(DatabaseManager::close);
    made.forEach(TestDatabases::dispose);
  }

  private ConnectionConfig fresh(Engine engine, String name) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, name + made.size());
    made.add(c);
    return c;
  }

  private DatabaseManager manager(ConnectionConfig c) {
    DatabaseManager m = DatabaseManager.create(c);
    open.add(m);
    return m;
  }

  /**
   * One generated experiment plus rows chosen to break lossy code: unicode, quotes and newlines,
   * bit-exact doubles, NaN and infinities, microsecond times, nulls, per-label numbers whose digits
   * a double would change, invalid per-label text, and a metric and an artifact linked twice.
   */
  private DatabaseManager tricky(Engine engine) {
    return tricky(engine, false);
  }

  /** As {@link #tricky(Engine)}; {@code nonFinite} adds NaN and infinities, which MySQL lacks. */
  private DatabaseManager tricky(Engine engine, boolean nonFinite) {
    ConnectionConfig c = fresh(engine, "src");
    DataGenerator.generate(
        c, new GenerateOptions(1, 2, 2, 3, 2, 3, 1, 7, 0, 0, 0), false, ProgressListener.NONE);
    DatabaseManager db = manager(c);
    Random rnd = new Random(5);
    LocalDateTime t = LocalDateTime.of(2025, 2, 28, 23, 59, 59, 123_456_000);
    long trial =
        db.createTrial(
            1,
            "ünï \"cödé\"\nline 2 \t✓ 🚀 back\\slash 'single' \r\u001a end",
            t,
            t.plusNanos(1000));
    long run = db.createTrialRun(trial, null, null, null);
    db.createEpoch(run, 0, t);
    db.createEpoch(run, 7, null);
    db.createResults(run, t.plusSeconds(1));
    double[] doubles =
        nonFinite
            ? new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}
            : new double[] {
              rnd.nextDouble(),
              -0.0,
              Double.MIN_VALUE,
              Double.MAX_VALUE,
              1e-300,
              Math.PI,
              Math.nextUp(1.0),
              -123456.789e-12,
              0.1 + 0.2
            };
    long shared = -1;
    for (int i = 0; i < doubles.length; i++) {
      long m =
          db.recordMetricJson(
              "tricky_" + i,
              doubles[i],
              "{\"class_0\":0.10,\"k\\\"q\":1E-7,\"x\":12345678901234567890.5}");
      db.linkEpochMetric(run, i % 2 == 0 ? 0 : 7, m);
      shared = m;
    }
    db.linkResultsMetric(run, shared);
    db.linkEpochMetric(run, 0, db.recordMetricJson("raw", null, "{\"class_0\": NaN}"));
    db.linkEpochMetric(run, 0, db.recordMetricJson("null_labels", 0.5, null));
    db.linkEpochMetric(run, 0, db.recordMetricJson("legacy", 0.5, "[0.1,0.2]"));
    long art = db.recordArtifact("model", "s3://b/ü \"x\"\n");
    db.linkTrialArtifact(trial, art);
    db.linkEpochArtifact(run, 7, art);
    db.linkResultsArtifact(run, db.recordArtifact("plot", null));
    return db;
  }

  @Test
  void sqliteToMariaDbToSqliteChangesNothingButIds() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    var original = TestDatabases.content(src.database());

    Path first = dir.resolve("first.json");
    ExportResult e1 =
        new DataMigrationManager(src)
            .exportExperiment(1, first, ExportOptions.all(), ProgressListener.NONE);
    assertThat(e1.counts().get("metrics")).isEqualTo(2 * 2 * 4 * 2 + 12);

    // The MariaDB target already holds an experiment, so every id shifts on the way.
    DatabaseManager maria = manager(fresh(Engine.MYSQL, "mid"));
    DataGenerator.generate(
        maria.database().config(),
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        true,
        ProgressListener.NONE);
    long midId = new DataMigrationManager(maria).importExperimentData(first);
    assertThat(midId).isEqualTo(2);

    Path second = dir.resolve("second.json");
    ExportResult e2 =
        new DataMigrationManager(maria)
            .exportExperiment(midId, second, ExportOptions.all(), ProgressListener.NONE);
    assertThat(e2.counts()).isEqualTo(e1.counts());
    assertThat(e2.contentSha256()).isNotEqualTo(e1.contentSha256()); // the ids differ

    ConnectionConfig last = fresh(Engine.SQLITE, "last");
    ImportTarget target = ImportTarget.open(last);
    ImportResult r =
        new ExperimentImporter(target.database())
            .importFile(second, ImportOptions.defaults(), ProgressListener.NONE);
    assertThat(r.experimentId()).isEqualTo(1);
    // A fresh database numbers from 1 again: every row of every table, compared column by column.
    assertThat(TestDatabases.content(target.database())).isEqualTo(original);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void importedExperimentMatchesItsSourceValueForValue(Engine engine) throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("e.json");
    new DataMigrationManager(src).exportExperiment(1, file, true, true);
    DatabaseManager dst = manager(fresh(engine, "dst"));
    dst.createExperiment("already here", null);
    long id = new DataMigrationManager(dst).importExperimentData(file);
    assertThat(id).isEqualTo(2);
    Path again = dir.resolve("again.json");
    new DataMigrationManager(dst).exportExperiment(id, again, true, true);
    JsonNode a = JSON.readTree(file.toFile());
    JsonNode b = JSON.readTree(again.toFile());
    assertThat(withoutIds(b.path("trials"))).isEqualTo(withoutIds(a.path("trials")));
    assertThat(withoutIds(b.path("experiment"))).isEqualTo(withoutIds(a.path("experiment")));
    assertThat(b.path("metadata").path("counts")).isEqualTo(a.path("metadata").path("counts"));
  }

  private static JsonNode withoutIds(JsonNode n) {
    JsonNode copy = n.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.remove("id");
      o.remove("ref");
      o.forEach(ExportImportTest::strip);
    } else if (n instanceof ArrayNode a) {
      a.forEach(ExportImportTest::strip);
    }
  }

  @Test
  void nanAndInfinitiesSurviveBetweenSqliteDatabasesAndAreRefusedByMySql() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE, true);
    Path file = dir.resolve("nan.json");
    new DataMigrationManager(src).exportExperiment(1, file, true, true);
    assertThat(Files.readString(file)).contains("\"Infinity\"", "\"-Infinity\"");
    DatabaseManager sqlite = manager(fresh(Engine.SQLITE, "nan"));
    new DataMigrationManager(sqlite).importExperimentData(file);
    assertThat(TestDatabases.content(sqlite.database()))
        .isEqualTo(TestDatabases.content(src.database()));
    DatabaseManager maria = manager(fresh(Engine.MYSQL, "nan"));
    refusedWithoutChange(
        maria, file, InvalidInputException.class, "Infinity, which mysql cannot store");
  }

  @Test
  void theDocumentHasTheDocumentedShape() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("e.json");
    ExportResult r = new DataMigrationManager(src).exportExperiment(1, file, true, true);
    JsonNode doc = JSON.readTree(file.toFile());
    assertThat(doc.path("format_version").asInt()).isEqualTo(2);
    JsonNode meta = doc.path("metadata");
    assertThat(meta.path("source").path("engine").asText()).isEqualTo("sqlite");
    assertThat(meta.path("source").path("identity").asText()).isEqualTo(src.database().identity());
    assertThat(meta.path("content_sha256").asText()).isEqualTo(r.contentSha256()).hasSize(64);
    assertThat(meta.path("include_metrics").asBoolean()).isTrue();
    assertThat(doc.path("experiment").path("title").isTextual()).isTrue();
    assertThat(doc.path("artifacts").isArray()).isTrue();
    JsonNode run = doc.path("trials").get(2).path("trial_runs").get(0);
    JsonNode metric = run.path("epochs").get(0).path("metrics").get(0);
    // Per-label values are the text they were stored as, whatever it holds.
    assertThat(metric.path("per_label_val").isTextual()).isTrue();
    assertThat(metric.path("per_label_val").asText()).contains("\"class_0\":0.10");
    assertThat(Files.readString(file)).contains("\"per_label_val\":\"{\\\"class_0\\\": NaN}\"");
    // The metric linked twice is written once, then referenced.
    assertThat(run.path("results").path("metrics").get(0).has("ref")).isTrue();
    assertThat(run.path("epochs").get(1).path("artifacts").get(0).has("ref")).isTrue();
    assertThat(r.counts().get("epoch_metrics") + r.counts().get("results_metrics"))
        .isEqualTo(r.counts().get("metrics") + 1);
  }

  @Test
  void withoutIncludeFlagsOnlyTheStructureIsExported() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("s.json");
    ExportResult r = new DataMigrationManager(src).exportExperiment(1, file, false, false);
    assertThat(r.counts().get("metrics")).isZero();
    assertThat(r.counts().get("artifacts")).isZero();
    assertThat(r.counts().get("epochs")).isEqualTo(2 * 2 * 3 + 2);
    JsonNode doc = JSON.readTree(file.toFile());
    assertThat(doc.path("trials").findValues("metrics")).isEmpty();
    assertThat(doc.path("trials").findValues("artifacts")).isEmpty();
    assertThat(doc.has("artifacts")).isFalse();
    DatabaseManager dst = manager(fresh(Engine.SQLITE, "dst"));
    long id = new DataMigrationManager(dst).importExperimentData(file);
    assertThat(dst.count("EPOCH")).isEqualTo(r.counts().get("epochs"));
    assertThat(dst.count("METRIC")).isZero();
    assertThat(dst.getTrials(id)).hasSize(3);
  }

  @Test
  void exportingToAStreamGivesTheSameDocument() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("f.json");
    ExperimentExporter ex = new ExperimentExporter(src.database());
    ExportResult a = ex.exportToFile(1, file, ExportOptions.all(), ProgressListener.NONE);
    // Readable as a redirect's file would be (an export is for another account or machine).
    assertThat(java.nio.file.Files.getPosixFilePermissions(file))
        .isEqualTo(
            java.nio.file.Files.getPosixFilePermissions(
                java.nio.file.Files.createFile(dir.resolve("plain"))));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExportResult b = ex.exportTo(1, out, ExportOptions.all(), ProgressListener.NONE);
    assertThat(b.contentSha256()).isEqualTo(a.contentSha256());
    assertThat(b.bytes()).isEqualTo(a.bytes()).isEqualTo(out.size());
    JsonNode fromStream = JSON.readTree(out.toByteArray());
    assertThat(fromStream.path("trials")).isEqualTo(JSON.readTree(file.toFile()).path("trials"));
  }

  @Test
  void anUnknownExperimentIsNotFoundAndWritesNoFile() {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("none.json");
    assertThatThrownBy(() -> new DataMigrationManager(src).exportExperiment(42, file, true, true))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("experiment 42 does not exist");
    assertThat(dir).isDirectoryNotContaining("glob:**none.json*");
  }

  @Test
  void theFaqSnippetImportsAParsedDocument() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("e.json");
    new DataMigrationManager(src).exportExperiment(1, file, true, true);
    JsonNode experimentData = new ObjectMapper().readTree(file.toFile());
    DatabaseManager target = manager(fresh(Engine.SQLITE, "t"));
    long newExpId = new DataMigrationManager(target).importExperimentData(experimentData);
    assertThat(target.getExperiment(newExpId)).isPresent();
    // A tree holds doubles: per-label numbers keep their values, not their digits ("0.10").
    assertThat(perLabelAsJson(TestDatabases.content(target.database())))
        .isEqualTo(perLabelAsJson(TestDatabases.content(src.database())));
  }

  private static Map<String, List<List<Object>>> perLabelAsJson(
      Map<String, List<List<Object>>> content) throws Exception {
    for (List<Object> row : content.get("METRIC")) {
      if (row.get(3) instanceof String s && s.startsWith("{\"class_")) {
        try {
          row.set(3, JSON.readTree(s));
        } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
          // kept as text: it must then be equal as text
        }
      }
    }
    return content;
  }

  // ---------------------------------------------------------------- refusals

  private Path exported() throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    Path file = dir.resolve("good.json");
    new DataMigrationManager(src).exportExperiment(1, file, true, true);
    return file;
  }

  private DatabaseManager targetWithData(Engine engine) {
    DatabaseManager dst = manager(fresh(engine, "target"));
    DataGenerator.generate(
        dst.database().config(),
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        true,
        ProgressListener.NONE);
    return dst;
  }

  private void refusedWithoutChange(
      DatabaseManager dst, Path file, Class<?> kind, String... messageParts) {
    var before = TestDatabases.content(dst.database());
    assertThatThrownBy(() -> new DataMigrationManager(dst).importExperimentData(file))
        .isInstanceOf(kind)
        .message()
        .contains(messageParts);
    assertThat(TestDatabases.content(dst.database())).isEqualTo(before);
  }

  private Path edited(Path file, java.util.function.Consumer<ObjectNode> edit) throws Exception {
    ObjectNode doc = (ObjectNode) JSON.readTree(file.toFile());
    edit.accept(doc);
    Path out = dir.resolve("edited-" + System.nanoTime() + ".json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), doc);
    return out;
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aTruncatedFileIsRefusedAndTheTargetIsUnchanged(Engine engine) throws Exception {
    Path file = exported();
    byte[] all = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.json");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length * 3 / 4));
    DatabaseManager dst = targetWithData(engine);
    refusedWithoutChange(dst, cut, InvalidInputException.class, "ends early", "line ");
    // Nothing was remembered either: the whole file imports afterwards.
    assertThat(new DataMigrationManager(dst).importExperimentData(file)).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aSecondImportOfTheSameExportIsRefusedNamingTheFirst(Engine engine) throws Exception {
    Path file = exported();
    DatabaseManager dst = targetWithData(engine);
    long first = new DataMigrationManager(dst).importExperimentData(file);
    refusedWithoutChange(
        dst, file, ConflictException.class, "already imported", "as experiment " + first);
    ImportResult dup =
        new DataMigrationManager(dst)
            .importExperimentData(file, new ImportOptions(false, true), ProgressListener.NONE);
    assertThat(dup.experimentId()).isEqualTo(first + 1);
  }

  @Test
  void anExportWhoseExperimentWasDeletedSinceImportsAgain() throws Exception {
    Path file = exported();
    DatabaseManager dst = manager(fresh(Engine.SQLITE, "t"));
    long first = new DataMigrationManager(dst).importExperimentData(file);
    dst.update("DELETE FROM EXPERIMENT WHERE id = ?", first);
    assertThat(new DataMigrationManager(dst).importExperimentData(file)).isEqualTo(first + 1);
  }

  @Test
  void malformedJsonIsRefusedWithItsPosition() throws Exception {
    Path file = exported();
    String text = Files.readString(file);
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, text.replaceFirst("\"trials\":\\[", "\"trials\":[,"));
    refusedWithoutChange(
        targetWithData(Engine.SQLITE), bad, InvalidInputException.class, "not valid JSON", "line");
  }

  @Test
  void anUnknownFormatVersionIsRefused() throws Exception {
    Path file = edited(exported(), d -> d.put("format_version", 3));
    refusedWithoutChange(
        targetWithData(Engine.SQLITE),
        file,
        InvalidInputException.class,
        "unknown format_version 3");
  }

  @Test
  void countsThatDoNotMatchAreRefused() throws Exception {
    Path file =
        edited(
            exported(),
            d -> {
              ObjectNode counts = (ObjectNode) d.path("metadata").path("counts");
              counts.put("metrics", counts.path("metrics").asLong() + 1);
            });
    refusedWithoutChange(
        targetWithData(Engine.SQLITE),
        file,
        InvalidInputException.class,
        "does not hold what its metadata declares",
        "metrics");
  }

  @Test
  void aChangedValueFailsTheChecksum() throws Exception {
    Path file =
        edited(exported(), d -> ((ObjectNode) d.path("experiment")).put("title", "edited by hand"));
    refusedWithoutChange(
        targetWithData(Engine.SQLITE), file, InvalidInputException.class, "checksum mismatch");
  }

  @Test
  void aReferenceToAMetricNotInTheFileIsRefusedWithItsPath() throws Exception {
    Path file =
        edited(
            exported(),
            d -> {
              ArrayNode metrics = (ArrayNode) d.at("/trials/0/trial_runs/0/epochs/1/metrics");
              metrics.addObject().put("ref", 999_999);
            });
    refusedWithoutChange(
        targetWithData(Engine.SQLITE),
        file,
        InvalidInputException.class,
        "ref to metric 999999",
        "/trials/0/trial_runs/0/epochs/1/metrics/");
  }

  @Test
  void anUnknownFieldIsRefusedNamingIt() throws Exception {
    Path file = edited(exported(), d -> ((ObjectNode) d.at("/trials/1")).put("colour", "blue"));
    refusedWithoutChange(
        targetWithData(Engine.SQLITE),
        file,
        InvalidInputException.class,
        "unknown field 'colour' in trial",
        "/trials/1");
  }

  @Test
  void aWrongTypeIsRefusedNamingTheField() throws Exception {
    Path file =
        edited(
            exported(),
            d -> ((ObjectNode) d.at("/trials/0/trial_runs/0/epochs/0")).put("idx", "zero"));
    refusedWithoutChange(
        targetWithData(Engine.SQLITE),
        file,
        InvalidInputException.class,
        "'idx' must be an integer",
        "/trials/0/trial_runs/0/epochs/0");
  }

  @Test
  void somethingThatIsNotAnExportIsRefused() throws Exception {
    Path file = dir.resolve("other.json");
    Files.writeString(file, "{\"experiment_id\": 1, \"trials\": []}");
    refusedWithoutChange(
        targetWithData(Engine.SQLITE),
        file,
        InvalidInputException.class,
        "is this an expmgr export");
    Path empty = dir.resolve("empty.json");
    Files.writeString(empty, "");
    refusedWithoutChange(
        targetWithData(Engine.SQLITE), empty, InvalidInputException.class, "not an expmgr export");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void preserveIdsKeepsFreeIdsAndRefusesTakenOnes(Engine engine) throws Exception {
    Path file = exported();
    DatabaseManager empty = manager(fresh(engine, "empty"));
    ImportResult r =
        new DataMigrationManager(empty)
            .importExperimentData(file, new ImportOptions(true, false), ProgressListener.NONE);
    assertThat(r.experimentId()).isEqualTo(1);
    DatabaseManager taken = targetWithData(engine);
    var before = TestDatabases.content(taken.database());
    assertThatThrownBy(
            () ->
                new DataMigrationManager(taken)
                    .importExperimentData(
                        file, new ImportOptions(true, false), ProgressListener.NONE))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("--preserve-ids");
    assertThat(TestDatabases.content(taken.database())).isEqualTo(before);
    // Ids below the source's taken by another experiment: the experiment id is free, others not.
    DatabaseManager partly = manager(fresh(engine, "partly"));
    partly.recordMetric("x", 1.0, Map.of());
    assertThatThrownBy(
            () ->
                new DataMigrationManager(partly)
                    .importExperimentData(
                        file, new ImportOptions(true, false), ProgressListener.NONE))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("already taken");
    assertThat(partly.count("METRIC")).isEqualTo(1);
    assertThat(partly.count("EXPERIMENT")).isZero();
  }

  @Test
  void importCreatesAMissingSqliteDatabaseAndRemovesItWhenTheImportFails() throws Exception {
    Path good = exported();
    Path bad = dir.resolve("bad.json");
    Files.write(bad, java.util.Arrays.copyOf(Files.readAllBytes(good), 20_000));
    Path newDb = dir.resolve("new.db");
    ImportTarget t = ImportTarget.open(ConnectionConfig.sqlite(newDb));
    assertThatThrownBy(
            () ->
                new ExperimentImporter(t.database())
                    .importFile(bad, ImportOptions.defaults(), ProgressListener.NONE))
        .isInstanceOf(InvalidInputException.class);
    t.discardIfCreated();
    assertThat(newDb).doesNotExist();
    ImportTarget t2 = ImportTarget.open(ConnectionConfig.sqlite(newDb));
    assertThat(t2.wasEmpty()).isTrue();
    new ExperimentImporter(t2.database())
        .importFile(good, ImportOptions.defaults(), ProgressListener.NONE);
    assertThat(
            Database.openReadOnly(ConnectionConfig.sqlite(newDb))
                .countRows(io.expmgr.db.Schema.current())
                .get("EXPERIMENT"))
        .isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void schemaTwoOneDataTravelsAndAnOlderTargetSaysWhatItNeeds(Engine engine) throws Exception {
    DatabaseManager src = tricky(Engine.SQLITE);
    io.expmgr.schema.SchemaMigrator.upgrade(src.database(), "2.1");
    Path plain = dir.resolve("plain21.json");
    new DataMigrationManager(src).exportExperiment(1, plain, true, true);
    // Only defaults in the 2.x columns: a 1.0 target takes it, leaving them out.
    DatabaseManager old = manager(fresh(engine, "old"));
    long id = new DataMigrationManager(old).importExperimentData(plain);
    assertThat(old.count("METRIC")).isEqualTo(src.count("METRIC"));
    src.update("INSERT INTO EXPERIMENT_TAG (experiment_id, tag_name) VALUES (1, 'milestone')");
    src.update("INSERT INTO EXPERIMENT_TAG (experiment_id, tag_name) VALUES (1, 'b\u00e9ta')");
    src.update("UPDATE METRIC SET metadata = '{\"unit\":\"%\"}' WHERE id = 2");
    src.update("UPDATE EXPERIMENT SET tags = 'milestone,b\u00e9ta' WHERE id = 1");
    Path rich = dir.resolve("rich21.json");
    ExportResult r = new DataMigrationManager(src).exportExperiment(1, rich, true, true);
    assertThat(r.counts().get("experiment_tags")).isEqualTo(2);
    refusedWithoutChange(old, rich, InvalidInputException.class, "schema upgrade --to 2.");
    DatabaseManager target = manager(fresh(engine, "new21"));
    io.expmgr.schema.SchemaMigrator.upgrade(target.database(), "2.1");
    long copied = new DataMigrationManager(target).importExperimentData(rich);
    assertThat(
            target.query(
                "SELECT tag_name FROM EXPERIMENT_TAG WHERE experiment_id = ? ORDER BY tag_name",
                copied))
        .extracting(m -> m.get("tag_name"))
        .containsExactly("b\u00e9ta", "milestone");
    assertThat(target.query("SELECT tags FROM EXPERIMENT WHERE id = ?", copied).get(0).get("tags"))
        .isEqualTo("milestone,b\u00e9ta");
    assertThat(
            target
                .query("SELECT count(*) AS n FROM METRIC WHERE metadata = '{\"unit\":\"%\"}'")
                .get(0)
                .get("n")
                .toString())
        .isEqualTo("1");
    assertThat(id).isEqualTo(1);
  }

  @Test
  void perLabelTextIsKeptExactlyWhitespaceAndDigitsAndAll() throws Exception {
    DatabaseManager src = manager(fresh(Engine.SQLITE, "ws"));
    long e = src.createExperiment("ws", null);
    long run = src.createTrialRun(src.createTrial(e, "t"), "done");
    src.createEpoch(run, 0, null);
    src.linkEpochMetric(run, 0, src.recordMetricJson("m", 1.0, "{ \"a\" : 1.50 ,\n \"b\": -2e3 }"));
    Path file = dir.resolve("ws.json");
    new DataMigrationManager(src).exportExperiment(e, file, true, true);
    DatabaseManager dst = manager(fresh(Engine.SQLITE, "ws2"));
    new DataMigrationManager(dst).importExperimentData(file);
    assertThat(dst.query("SELECT per_label_val FROM METRIC").get(0).get("per_label_val"))
        .isEqualTo("{ \"a\" : 1.50 ,\n \"b\": -2e3 }");
    // And through a document parsed into a tree first (the FAQ's json.load).
    DatabaseManager tree = manager(fresh(Engine.SQLITE, "ws3"));
    new DataMigrationManager(tree).importExperimentData(JSON.readTree(file.toFile()));
    assertThat(tree.query("SELECT per_label_val FROM METRIC").get(0).get("per_label_val"))
        .isEqualTo("{ \"a\" : 1.50 ,\n \"b\": -2e3 }");
  }

  /** A document written by the previous version (format 1) of the tracker's own database. */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void aVersionOneDocumentStillImports(Engine engine) throws Exception {
    Path file = dir.resolve("v1.json");
    try (var in = getClass().getResourceAsStream("/exports/v1-tracker-api-experiment-4.json")) {
      Files.copy(in, file);
    }
    DatabaseManager dst = manager(fresh(engine, "v1"));
    ImportResult r =
        new DataMigrationManager(dst)
            .importExperimentData(file, new ImportOptions(false, false), ProgressListener.NONE);
    assertThat(r.counts()).containsEntry("metrics", 78L).containsEntry("epochs", 30L);
    assertThat(dst.query("SELECT title FROM EXPERIMENT").get(0).get("title"))
        .isEqualTo("cifar10 sweep — ünïcode ✓");
    assertThat(
            ((Number) dst.query("SELECT count(*) AS n FROM EPOCH_METRIC").get(0).get("n"))
                .longValue())
        .isEqualTo(60L);
  }
}
