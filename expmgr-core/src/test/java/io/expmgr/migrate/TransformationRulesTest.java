package io.expmgr.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules file is checked whole, with the JSON path and a suggestion for every mistake. */
class TransformationRulesTest {
  private static final String FAQ =
      """
      {
        "metric_transformations": [
          {"metric_type": "accuracy", "transformation": "legacy_to_per_label",
           "rules": {"split_by": "class_", "default_classes": ["class_0", "class_1", "class_2"]}},
          {"metric_type": "f1_score", "transformation": "normalize_json_keys",
           "rules": {"key_mapping": {"macro": "macro_avg", "micro": "micro_avg"}}}
        ],
        "global_settings": {"backup_original": true, "validate_after_transform": true}
      }
      """;

  @Test
  void theFaqExampleParses() {
    TransformationRules r = TransformationRules.parse(FAQ, "rules.json");
    assertThat(r.transformations()).hasSize(2);
    assertThat(r.transformations().get(0).kind())
        .isEqualTo(TransformationRules.Kind.LEGACY_TO_PER_LABEL);
    assertThat(r.transformations().get(0).params().get("default_classes"))
        .isEqualTo(List.of("class_0", "class_1", "class_2"));
    assertThat(r.transformations().get(1).params().get("key_mapping"))
        .isEqualTo(Map.of("macro", "macro_avg", "micro", "micro_avg"));
    assertThat(r.backupOriginal()).isTrue();
    assertThat(r.validateAfterTransform()).isTrue();
    assertThat(r.rollbackOnError()).isFalse();
    assertThat(r.needsMetadataColumn()).isFalse();
    assertThat(r.transformations().get(1).appliesTo("f1_score")).isTrue();
    assertThat(r.transformations().get(1).appliesTo("accuracy")).isFalse();
  }

  @Test
  void theTemplateIsValidAndUsesEveryTransformation() {
    TransformationRules r = TransformationRules.parse(TransformationRules.template(), "template");
    assertThat(r.transformations())
        .extracting(TransformationRules.Rule::kind)
        .containsExactlyInAnyOrder(TransformationRules.Kind.values());
    assertThat(r.needsMetadataColumn()).isTrue();
    assertThat(TransformationRules.template()).contains("//");
  }

  @Test
  void paramsIsAnAliasOfRules() {
    TransformationRules r =
        TransformationRules.parse(
            "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":\"scale\","
                + "\"params\":{\"factor\":0.5}}]}",
            "r");
    assertThat(r.transformations().get(0).params()).containsEntry("factor", 0.5);
    assertThat(r.transformations().get(0).appliesTo("anything")).isTrue();
  }

  private static void refused(String json, String... parts) {
    assertThatThrownBy(() -> TransformationRules.parse(json, "rules.json"))
        .isInstanceOf(InvalidInputException.class)
        .message()
        .startsWith("rules.json: ")
        .contains(parts)
        .endsWith("nothing was changed");
  }

  @Test
  void aMisspeltTransformationNamesTheClosestOne() {
    refused(
        FAQ.replace("normalize_json_keys", "normalise_json_keys"),
        "$.metric_transformations[1].transformation",
        "unknown transformation 'normalise_json_keys'",
        "did you mean 'normalize_json_keys'?");
    refused(
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scael\","
            + "\"rules\":{\"factor\":2}}]}",
        "did you mean 'scale'?");
  }

  @Test
  void unknownMissingAndMistypedFieldsAreNamedByPath() {
    refused(
        FAQ.replace("\"split_by\"", "\"splitby\""),
        "$.metric_transformations[0].rules.splitby",
        "did you mean 'split_by'?");
    refused(
        FAQ.replace("\"metric_type\": \"accuracy\", ", ""),
        "$.metric_transformations[0].metric_type is missing");
    refused(
        FAQ.replace("\"backup_original\": true", "\"backup_original\": \"yes\""),
        "$.global_settings.backup_original must be true or false");
    refused(
        FAQ.replace("\"global_settings\"", "\"global_setting\""),
        "$.global_setting",
        "did you mean 'global_settings'?");
    refused(
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":\"half\"}}]}",
        "$.metric_transformations[0].rules.factor must be a finite number");
    refused(
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{}}]}",
        "$.metric_transformations[0].rules.factor is missing");
    refused(
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"rename_type\","
            + "\"rules\":{\"to\":\"\"}}]}",
        "$.metric_transformations[0].rules.to must be a non-empty string");
    refused("{\"metric_transformations\":{}}", "$.metric_transformations must be a list");
    refused("{}", "$.metric_transformations is missing");
    refused("[1, 2]", "$ the rules must be a JSON object");
  }

  @Test
  void badJsonIsRefusedWithItsPosition() {
    refused(
        FAQ.replace("\"rules\": {\"split_by\"", "\"rules\": {split_by"),
        "not valid JSON",
        "line 4");
    refused(
        FAQ.replace(
            "\"metric_type\": \"f1_score\"", "\"metric_type\": \"f1\", \"metric_type\": \"x\""),
        "not valid JSON",
        "Duplicate field 'metric_type'");
  }

  @Test
  void aMissingFileIsNotFound() {
    assertThatThrownBy(() -> TransformationRules.read(Path.of("/nonexistent/rules.json")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("does not exist");
  }
}
