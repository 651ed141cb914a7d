package io.expmgr.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A row of METRIC. {@code perLabelVal} is kept as the stored JSON text, exactly, so that reading
 * and writing a metric never changes it; {@link #perLabelValues()} parses it.
 */
public record Metric(long id, String type, Double totalVal, String perLabelVal) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The per-label values as an ordered map.
   *
   * @throws InvalidInputException when the stored text is not a JSON object of numbers
   */
  public Map<String, Double> perLabelValues() {
    if (perLabelVal == null) {
      return Map.of();
    }
    try {
      return JSON.readValue(perLabelVal, new TypeReference<LinkedHashMap<String, Double>>() {});
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          "metric "
              + id
              + " ("
              + type
              + "): per_label_val is not a JSON object of numbers: "
              + e.getOriginalMessage());
    }
  }

  /** Writes per-label values as a JSON object, in map order. */
  public static String toJson(Map<String, Double> perLabel) {
    if (perLabel == null) {
      return null;
    }
    try {
      return JSON.writeValueAsString(perLabel);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
