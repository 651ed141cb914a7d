package io.expmgr.migrate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Applies transformation rules to one metric, as a pure function of its values: the batches of
 * {@code transform-metrics} and {@code migrate-experiment} call it row by row. A metric that cannot
 * be transformed (broken JSON, two keys landing on one name, a value that is not a number where one
 * is needed) comes back as a failure with the reason, never half-changed.
 */
public final class MetricTransformer {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // Values a rule does not change keep their digits ("0.10" stays "0.10").
          .setNodeFactory(
              com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

  private final TransformationRules rules;

  public MetricTransformer(TransformationRules rules) {
    this.rules = rules;
  }

  /**
   * The values of a metric that transformations read and write.
   *
   * @param perLabelVal the stored per-label JSON text, or null
   * @param metadata the stored {@code METRIC.metadata} JSON text (schema 2.0), or null
   */
  public record MetricValues(String type, Double totalVal, String perLabelVal, String metadata) {}

  /** The outcome for one metric: new values (maybe equal to the old), or why it failed. */
  public record Outcome(MetricValues values, boolean changed, String failure) {
    public boolean failed() {
      return failure != null;
    }
  }

  /**
   * Applies every rule that matches the metric's type, in file order. A rule that changes no value
   * leaves the metric's text as it was (its spacing, key order and number digits): the outcome is
   * then unchanged, and nothing is written.
   */
  public Outcome apply(MetricValues in) {
    MetricValues v = in;
    for (TransformationRules.Rule rule : rules.transformations()) {
      if (!rule.appliesTo(v.type())) {
        continue;
      }
      try {
        v = apply(rule, v);
      } catch (TransformFailure e) {
        return new Outcome(in, false, rule.kind().label() + ": " + e.getMessage());
      }
    }
    return new Outcome(v, !v.equals(in), null);
  }

  private static MetricValues apply(TransformationRules.Rule rule, MetricValues v) {
    Map<String, Object> p = rule.params();
    return switch (rule.kind()) {
      case LEGACY_TO_PER_LABEL -> {
        if (v.perLabelVal() == null) {
          yield v;
        }
        JsonNode n = perLabel(v.perLabelVal());
        yield withPerLabel(
            v,
            n,
            legacyToPerLabel(n, (String) p.get("split_by"), castList(p.get("default_classes"))));
      }
      case NORMALIZE_JSON_KEYS -> {
        if (v.perLabelVal() == null) {
          yield v;
        }
        JsonNode n = perLabel(v.perLabelVal());
        yield withPerLabel(v, n, renameKeys(n, castMap(p.get("key_mapping"))));
      }
      case ADD_METADATA -> {
        String merged = mergeMetadata(v.metadata(), p.get("metadata"));
        yield merged == v.metadata()
            ? v
            : new MetricValues(v.type(), v.totalVal(), v.perLabelVal(), merged);
      }
      case SCALE -> scale(v, (Double) p.get("factor"));
      case RENAME_TYPE ->
          p.get("to").equals(v.type())
              ? v
              : new MetricValues((String) p.get("to"), v.totalVal(), v.perLabelVal(), v.metadata());
    };
  }

  /** Parses per-label text; a JSON string that holds JSON is decoded first. */
  private static JsonNode perLabel(String text) {
    JsonNode n = parse(text, "per_label_val");
    if (n.isTextual()) {
      n = parse(n.asText(), "per_label_val (a string holding JSON)");
    }
    return n;
  }

  private static JsonNode parse(String text, String what) {
    try {
      JsonNode n = JSON.readTree(text);
      if (n == null || n.isMissingNode()) {
        throw new TransformFailure(what + " is empty");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new TransformFailure(what + " is not valid JSON");
    }
  }

  private static JsonNode legacyToPerLabel(JsonNode n, String splitBy, List<String> classes) {
    if (n.isArray()) {
      ObjectNode out = JSON.createObjectNode();
      for (int i = 0; i < n.size(); i++) {
        String key = i < classes.size() ? classes.get(i) : splitBy + i;
        if (out.has(key)) {
          throw new TransformFailure("two values would be named '" + key + "'");
        }
        out.set(key, n.get(i));
      }
      return out;
    }
    if (n.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      boolean renamed = false;
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        var f = it.next();
        int at = f.getKey().indexOf(splitBy);
        String key = at > 0 ? f.getKey().substring(at) : f.getKey();
        if (out.has(key)) {
          throw new TransformFailure("two keys would be named '" + key + "'");
        }
        renamed |= !key.equals(f.getKey());
        out.set(key, f.getValue());
      }
      return renamed ? out : n;
    }
    return n; // a number or null: nothing legacy about it to convert
  }

  private static JsonNode renameKeys(JsonNode n, Map<String, String> mapping) {
    if (!n.isObject()) {
      throw new TransformFailure("per_label_val is not a JSON object, it has no keys to rename");
    }
    ObjectNode out = JSON.createObjectNode();
    boolean renamed = false;
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      var f = it.next();
      String key = mapping.getOrDefault(f.getKey(), f.getKey());
      if (out.has(key)) {
        throw new TransformFailure(
            "keys '" + f.getKey() + "' and another both become '" + key + "'");
      }
      renamed |= !key.equals(f.getKey());
      out.set(key, f.getValue());
    }
    return renamed ? out : n;
  }

  private static String mergeMetadata(String existing, Object add) {
    ObjectNode base;
    if (existing == null || existing.isBlank()) {
      base = JSON.createObjectNode();
    } else {
      JsonNode n = parse(existing, "metadata");
      if (!n.isObject()) {
        throw new TransformFailure("metadata is not a JSON object");
      }
      base = (ObjectNode) n;
    }
    ObjectNode before = base.deepCopy();
    base.setAll((ObjectNode) JSON.valueToTree(add));
    // Already there with these values: the text stays as it was.
    return base.equals(before) && existing != null ? existing : write(base);
  }

  /** A scaled value that is not a finite number is a failure of the metric, never stored. */
  private static double finite(double was, double now, double factor, String where) {
    if (Double.isFinite(now) || !Double.isFinite(was)) {
      return now;
    }
    throw new TransformFailure(
        "scale by " + factor + " makes " + where + " " + was + " " + now + ", not a finite number");
  }

  private static MetricValues scale(MetricValues v, double factor) {
    Double total =
        v.totalVal() == null
            ? null
            : finite(v.totalVal(), v.totalVal() * factor, factor, "total_val");
    String labels = v.perLabelVal();
    if (labels != null) {
      String fast = scaleFlat(labels, factor);
      if (fast != null) {
        labels = fast;
      } else {
        JsonNode n = perLabel(labels);
        boolean[] changed = {false};
        JsonNode scaled = scaleNode(n, factor, changed);
        labels = changed[0] ? write(scaled) : labels;
      }
    }
    return java.util.Objects.equals(total, v.totalVal()) && labels == v.perLabelVal()
        ? v
        : new MetricValues(v.type(), total, labels, v.metadata());
  }

  private static final com.fasterxml.jackson.core.JsonFactory STREAMING =
      new com.fasterxml.jackson.core.JsonFactory();

  /**
   * Scales a flat object or array of numbers and nulls token by token, without building a tree: the
   * common case. Only the numbers' text changes; the rest (spacing, key order, the digits of a
   * number the factor leaves as it was) is copied as it stands, so the text keeps the form its
   * writer gave it, and comes back as the very same string when no number changed. Returns null for
   * anything else (a string holding JSON, nesting, bad JSON), which the tree path then handles or
   * reports.
   */
  private static String scaleFlat(String text, double factor) {
    StringBuilder out = null;
    int copied = 0;
    try (com.fasterxml.jackson.core.JsonParser p = STREAMING.createParser(text)) {
      com.fasterxml.jackson.core.JsonToken first = p.nextToken();
      if (first != com.fasterxml.jackson.core.JsonToken.START_OBJECT
          && first != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
        return null;
      }
      com.fasterxml.jackson.core.JsonToken t;
      while ((t = p.nextToken()) != null) {
        switch (t) {
          case FIELD_NAME, VALUE_NULL -> {}
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
            double was = p.getDoubleValue();
            double now = finite(was, was * factor, factor, "per_label_val " + p.currentName());
            if (Double.compare(was, now) != 0) {
              int start = (int) p.currentTokenLocation().getCharOffset();
              if (out == null) {
                out = new StringBuilder(text.length() + 16);
              }
              out.append(text, copied, start).append(now);
              copied = start + p.getTextLength();
            }
          }
          case END_OBJECT, END_ARRAY -> {
            if (p.getParsingContext().inRoot()) {
              if (p.nextToken() != null) {
                return null;
              }
              return out == null ? text : out.append(text, copied, text.length()).toString();
            }
            return null;
          }
          default -> {
            return null;
          }
        }
      }
      return null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static JsonNode scaleNode(JsonNode n, double factor, boolean[] changed) {
    if (n.isNumber()) {
      return scaled(n, factor, changed);
    }
    if (n.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      n.fields()
          .forEachRemaining(
              f -> out.set(f.getKey(), scaleValue(f.getKey(), f.getValue(), factor, changed)));
      return out;
    }
    if (n.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      for (int i = 0; i < n.size(); i++) {
        out.add(scaleValue("[" + i + "]", n.get(i), factor, changed));
      }
      return out;
    }
    if (n.isNull()) {
      return n;
    }
    throw new TransformFailure("per_label_val is not numbers");
  }

  private static JsonNode scaled(JsonNode n, double factor, boolean[] changed) {
    double was = n.asDouble();
    double now = finite(was, was * factor, factor, "per_label_val");
    if (Double.compare(was, now) == 0) {
      return n;
    }
    changed[0] = true;
    return DoubleNode.valueOf(now);
  }

  private static JsonNode scaleValue(String key, JsonNode value, double factor, boolean[] changed) {
    if (value.isNumber()) {
      return scaled(value, factor, changed);
    }
    if (value.isNull()) {
      return value;
    }
    throw new TransformFailure("per-label value " + key + " is not a number: " + value);
  }

  /** The metric with new per-label values, or as it was when the rule returned them unchanged. */
  private static MetricValues withPerLabel(MetricValues v, JsonNode before, JsonNode after) {
    return after == before
        ? v
        : new MetricValues(v.type(), v.totalVal(), write(after), v.metadata());
  }

  private static String write(JsonNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new TransformFailure("cannot write JSON: " + e.getOriginalMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> castList(Object o) {
    return (List<String>) o;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> castMap(Object o) {
    return (Map<String, String>) o;
  }

  /** Why one metric cannot be transformed. */
  private static final class TransformFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TransformFailure(String message) {
      super(message, null, false, false);
    }
  }
}
