package io.expmgr.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.InvalidInputException;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DataGeneratorTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  private ConnectionConfig fresh(Engine engine) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, "gen" + made.size());
    made.add(c);
    return c;
  }

  private static GenerateOptions shape(long seed, int legacy, int orphans, int bad) {
    return new GenerateOptions(2, 3, 2, 4, 3, 5, 1, seed, legacy, orphans, bad);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void writesExactlyTheRequestedShape(Engine engine) {
    ConnectionConfig config = fresh(engine);
    GenerateOptions o = shape(1, 0, 0, 0);
    GenerateResult r = DataGenerator.generate(config, o, false, ProgressListener.NONE);

    long e = 2, t = e * 3, runs = t * 2, epochs = runs * 4;
    Map<String, Long> expected = new TreeMap<>();
    expected.put("EXPERIMENT", e);
    expected.put("TRIAL", t);
    expected.put("TRIAL_RUN", runs);
    expected.put("RESULTS", runs);
    expected.put("EPOCH", epochs);
    expected.put("METRIC", runs * 5 * 3);
    expected.put("EPOCH_METRIC", epochs * 3);
    expected.put("RESULTS_METRIC", runs * 3);
    expected.put("ARTIFACT", e + t + 2 * runs + runs);
    expected.put("EXPERIMENT_ARTIFACT", e);
    expected.put("TRIAL_ARTIFACT", t);
    expected.put("TRIAL_RUN_ARTIFACT", runs);
    expected.put("RESULTS_ARTIFACT", runs);
    expected.put("EPOCH_ARTIFACT", runs);
    // New databases have the batch level; this shape has no batches.
    expected.put("BATCH", 0L);
    expected.put("BATCH_METRIC", 0L);
    expected.put("BATCH_ARTIFACT", 0L);

    Database db = Database.open(config, OpenMode.EXISTING);
    assertThat(new TreeMap<>(TestDatabases.counts(db))).isEqualTo(expected);
    assertThat(new TreeMap<>(r.rowsPerTable())).isEqualTo(expected);
    assertThat(r.totalRows()).isEqualTo(o.totalRows());
    assertThat(r.experimentIds()).containsExactly(1L, 2L);
    assertThat(TestDatabases.foreignKeyViolations(db)).isEmpty();
    assertThat(r.orphansPerTable()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void plantedProblemsAreExactlyWhatItReports(Engine engine) {
    ConnectionConfig config = fresh(engine);
    GenerateResult r =
        DataGenerator.generate(config, shape(3, 7, 19, 11), false, ProgressListener.NONE);
    Database db = Database.open(config, OpenMode.EXISTING);

    // Orphans: spread over 8 tables, each row with exactly one missing parent.
    assertThat(r.orphansPerTable().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(19);
    assertThat(r.orphansPerTable()).hasSize(8);
    assertThat(TestDatabases.foreignKeyViolations(db)).isEqualTo(r.orphansPerTable());

    // Per-label values: classify every stored value independently of the generator.
    Map<String, Long> kinds = new TreeMap<>();
    ObjectMapper json = new ObjectMapper();
    for (List<Object> row : TestDatabases.content(db).get("METRIC")) {
      kinds.merge(classify(json, (String) row.get(3)), 1L, Long::sum);
    }
    assertThat(kinds.get("array")).isEqualTo(r.legacyPerKind().get("array"));
    assertThat(kinds.get("prefixed_keys")).isEqualTo(r.legacyPerKind().get("prefixed_keys"));
    assertThat(r.legacyPerKind().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(7);
    assertThat(r.badJsonPerKind().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(11);
    for (String kind :
        List.of("invalid_json", "not_object", "string_value", "nested_value", "non_finite")) {
      assertThat(kinds.get(kind)).as(kind).isEqualTo(r.badJsonPerKind().get(kind));
    }
    assertThat(kinds.get("ok")).isEqualTo(shape(3, 0, 0, 0).totalMetrics() - 18);
  }

  private static String classify(ObjectMapper json, String text) {
    if (text.contains("NaN")) {
      return "non_finite";
    }
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (Exception e) {
      return "invalid_json";
    }
    if (node.isArray()) {
      return "array";
    }
    if (!node.isObject()) {
      return "not_object";
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getValue().isTextual()) {
        return "string_value";
      }
      if (f.getValue().isContainerNode()) {
        return "nested_value";
      }
      if (!f.getKey().startsWith("class_")) {
        return "prefixed_keys";
      }
    }
    return "ok";
  }

  @Test
  void theSameSeedGivesTheSameContentOnEveryEngineAndAnotherSeedDoesNot() {
    ConnectionConfig a = fresh(Engine.SQLITE);
    ConnectionConfig b = fresh(Engine.MYSQL);
    ConnectionConfig c = fresh(Engine.SQLITE);
    DataGenerator.generate(a, shape(9, 4, 8, 5), false, ProgressListener.NONE);
    DataGenerator.generate(b, shape(9, 4, 8, 5), false, ProgressListener.NONE);
    DataGenerator.generate(c, shape(10, 4, 8, 5), false, ProgressListener.NONE);
    var contentA = TestDatabases.content(Database.open(a, OpenMode.EXISTING));
    assertThat(TestDatabases.content(Database.open(b, OpenMode.EXISTING))).isEqualTo(contentA);
    assertThat(TestDatabases.content(Database.open(c, OpenMode.EXISTING)).get("METRIC"))
        .isNotEqualTo(contentA.get("METRIC"));
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void refusesToMixIntoExistingDataUnlessAppending(Engine engine) {
    ConnectionConfig config = fresh(engine);
    DataGenerator.generate(config, shape(1, 0, 0, 0), false, ProgressListener.NONE);
    Database db = Database.open(config, OpenMode.EXISTING);
    Map<String, Long> before = TestDatabases.counts(db);
    assertThatThrownBy(
            () -> DataGenerator.generate(config, shape(1, 0, 0, 0), false, ProgressListener.NONE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("already has 2 experiments")
        .hasMessageContaining("--append");
    assertThat(TestDatabases.counts(db)).isEqualTo(before);

    GenerateResult again =
        DataGenerator.generate(config, shape(1, 0, 0, 0), true, ProgressListener.NONE);
    assertThat(again.experimentIds()).containsExactly(3L, 4L);
    assertThat(TestDatabases.counts(db).get("METRIC")).isEqualTo(2 * before.get("METRIC"));
    assertThat(TestDatabases.foreignKeyViolations(db)).isEmpty();
  }

  @Test
  void aNewSqliteFileAppearsOnlyWhenCompleteAndInWalMode() throws Exception {
    Path target = dir.resolve("new.db");
    List<Boolean> seenDuringWork = new ArrayList<>();
    DataGenerator.generate(
        ConnectionConfig.sqlite(target),
        new GenerateOptions(2, 5, 5, 50, 4, 3, 1, 1, 0, 0, 0),
        false,
        (done, total) -> seenDuringWork.add(Files.exists(target)));
    assertThat(seenDuringWork).isNotEmpty().containsOnly(false);
    assertThat(target).exists();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains("generating"));
    }
    Database db = Database.open(ConnectionConfig.sqlite(target), OpenMode.EXISTING);
    String mode =
        db.withConnection(
            c -> {
              try (var st = c.createStatement();
                  var rs = st.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                return rs.getString(1);
              }
            });
    assertThat(mode).isEqualTo("wal");
  }

  @Test
  void optionsAreCheckedBeforeAnythingIsWritten() {
    assertThatThrownBy(() -> new GenerateOptions(0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--experiments must be between 1 and 100000000, got 0");
    assertThatThrownBy(() -> new GenerateOptions(1, 1, 1, 1, 1, 1, 1, 1, 0, -3, 0))
        .hasMessageContaining("--orphans must be between 0");
    assertThatThrownBy(() -> new GenerateOptions(1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 1))
        .hasMessageContaining("must not exceed the 2 metrics");
    assertThatThrownBy(() -> new GenerateOptions(1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0))
        .hasMessageContaining("--orphans needs --epochs");
  }
}
