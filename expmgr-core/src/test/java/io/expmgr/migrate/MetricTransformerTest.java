package io.expmgr.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.migrate.MetricTransformer.MetricValues;
import io.expmgr.migrate.MetricTransformer.Outcome;
import org.junit.jupiter.api.Test;

/** Each transformation's documented result, and the metrics it must refuse. */
class MetricTransformerTest {
  private static Outcome run(String rule, MetricValues v) {
    TransformationRules rules =
        TransformationRules.parse("{\"metric_transformations\":[" + rule + "]}", "r");
    return new MetricTransformer(rules).apply(v);
  }

  private static MetricValues metric(String type, Double total, String labels) {
    return new MetricValues(type, total, labels, "{}");
  }

  private static final String LEGACY =
      "{\"metric_type\":\"accuracy\",\"transformation\":\"legacy_to_per_label\","
          + "\"rules\":{\"split_by\":\"class_\",\"default_classes\":[\"cat\",\"dog\"]}}";

  @Test
  void legacyArraysBecomeObjectsKeyedByTheDefaultClassesThenSplitByIndex() {
    Outcome o = run(LEGACY, metric("accuracy", 0.9, "[0.91, 0.89, 0.5]"));
    assertThat(o.failed()).isFalse();
    assertThat(o.changed()).isTrue();
    assertThat(o.values().perLabelVal()).isEqualTo("{\"cat\":0.91,\"dog\":0.89,\"class_2\":0.5}");
  }

  @Test
  void prefixedKeysAreCutAtSplitByAndJsonInAStringIsDecoded() {
    assertThat(
            run(LEGACY, metric("accuracy", 1.0, "{\"acc_class_0\":0.1,\"acc_class_1\":0.2}"))
                .values()
                .perLabelVal())
        .isEqualTo("{\"class_0\":0.1,\"class_1\":0.2}");
    assertThat(run(LEGACY, metric("accuracy", 1.0, "\"[0.3, 0.4]\"")).values().perLabelVal())
        .isEqualTo("{\"cat\":0.3,\"dog\":0.4}");
  }

  @Test
  void perLabelFormAndNullAreLeftAsTheyAreAndOtherTypesAreNotTouched() {
    Outcome same = run(LEGACY, metric("accuracy", 1.0, "{\"class_0\":0.10}"));
    assertThat(same.changed()).isFalse();
    assertThat(run(LEGACY, metric("accuracy", 1.0, null)).changed()).isFalse();
    assertThat(run(LEGACY, metric("loss", 1.0, "[1, 2]")).changed()).isFalse();
  }

  @Test
  void collidingKeysAndBrokenJsonFailTheMetricWithAReason() {
    Outcome clash = run(LEGACY, metric("accuracy", 1.0, "{\"a_class_0\":1,\"b_class_0\":2}"));
    assertThat(clash.failed()).isTrue();
    assertThat(clash.failure()).contains("legacy_to_per_label", "class_0");
    assertThat(clash.values())
        .isEqualTo(metric("accuracy", 1.0, "{\"a_class_0\":1,\"b_class_0\":2}"));
    assertThat(run(LEGACY, metric("accuracy", 1.0, "{\"class_0\": 0.5,")).failure())
        .contains("not valid JSON");
  }

  @Test
  void normalizeJsonKeysRenamesKeysAndRefusesTwoLandingOnOne() {
    String rule =
        "{\"metric_type\":\"f1\",\"transformation\":\"normalize_json_keys\","
            + "\"rules\":{\"key_mapping\":{\"macro\":\"macro_avg\",\"micro\":\"avg\"}}}";
    assertThat(
            run(rule, metric("f1", 1.0, "{\"macro\":0.7,\"weighted\":0.80}"))
                .values()
                .perLabelVal())
        .isEqualTo("{\"macro_avg\":0.7,\"weighted\":0.80}");
    assertThat(run(rule, metric("f1", 1.0, "{\"micro\":0.7,\"avg\":0.8}")).failure())
        .contains("both become 'avg'");
  }

  @Test
  void scaleMultipliesTotalAndEveryPerLabelValue() {
    String rule =
        "{\"metric_type\":\"loss\",\"transformation\":\"scale\",\"rules\":{\"factor\":0.5}}";
    Outcome o = run(rule, metric("loss", 3.0, "{\"a\":1,\"b\":0.25}"));
    assertThat(o.values().totalVal()).isEqualTo(1.5);
    assertThat(o.values().perLabelVal()).isEqualTo("{\"a\":0.5,\"b\":0.125}");
    assertThat(run(rule, metric("loss", null, null)).values().totalVal()).isNull();
    assertThat(run(rule, metric("loss", 1.0, "{\"a\":\"high\"}")).failure())
        .contains("not a number");
  }

  @Test
  void addMetadataMergesAndRenameTypeRenamesAndRulesApplyInFileOrder() {
    String add =
        "{\"metric_type\":\"*\",\"transformation\":\"add_metadata\","
            + "\"rules\":{\"metadata\":{\"unit\":\"%\",\"v\":2}}}";
    Outcome o = run(add, new MetricValues("acc", 1.0, null, "{\"source\":\"old\",\"v\":1}"));
    assertThat(o.values().metadata()).isEqualTo("{\"source\":\"old\",\"v\":2,\"unit\":\"%\"}");
    String both =
        "{\"metric_type\":\"f1_score\",\"transformation\":\"rename_type\",\"rules\":{\"to\":\"f1\"}},"
            + "{\"metric_type\":\"f1\",\"transformation\":\"scale\",\"rules\":{\"factor\":2}}";
    Outcome r = run(both, metric("f1_score", 0.25, null));
    assertThat(r.values().type()).isEqualTo("f1");
    assertThat(r.values().totalVal()).isEqualTo(0.5);
  }
}
