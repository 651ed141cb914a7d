package io.expmgr.validate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PerLabelValueCheckTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"a\":1}",
        "{\"a\": -0.5, \"b\": 1e-300, \"c\": 12345678901234567890}",
        " { \"class_0\" : 0.25 } ",
        "{\"acc_class_0\": 0.9}",
        "{\"\u00e9t\u00e9\": 3}"
      })
  void objectsOfFiniteNumbersPass(String value) {
    assertThat(PerLabelValueCheck.classify(value)).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"a\": 0.5,|invalid_json",
        "''|invalid_json",
        "{\"a\": 1} trailing|invalid_json",
        "{'a': 1}|invalid_json",
        "{\"a\": \"high\", |invalid_json",
        "[0.1, 0.2]|legacy_array",
        "0.5|not_object",
        "\"text\"|not_object",
        "null|not_object",
        "{\"a\": {\"v\": 1}}|nested_value",
        "{\"a\": [1, 2]}|nested_value",
        "{\"a\": \"high\"}|string_value",
        "{\"a\": true}|non_numeric",
        "{\"a\": null}|non_numeric",
        "{\"a\": NaN}|non_finite",
        "{\"a\": Infinity}|non_finite",
        "{\"a\": -Infinity}|non_finite",
        "{\"a\": 1e999}|non_finite"
      })
  void eachKindOfProblemIsNamed(String value, String kind) {
    assertThat(PerLabelValueCheck.classify(value)).isEqualTo(kind);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"a\":1}",
        " {\"a\" : -0.5e-10 , \"b\":0} ",
        "{\"q\\\"x\":1.25}",
        "{\"\\u00e9\":2}"
      })
  void theFastPathAcceptsHealthyValues(String value) {
    assertThat(FlatJson.isObjectOfFiniteNumbers(value)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":1e999}",
        "{\"a\":NaN}",
        "{\"a\":\"1\"}",
        "{\"a\":1} x",
        "[1]",
        "{\"a\":{}}",
        "{a:1}",
        "{\"a\":-}",
        "{\"a\":1 \"b\":2}"
      })
  void theFastPathLeavesEverythingElseToTheFullParser(String value) {
    assertThat(FlatJson.isObjectOfFiniteNumbers(value)).isFalse();
  }
}
