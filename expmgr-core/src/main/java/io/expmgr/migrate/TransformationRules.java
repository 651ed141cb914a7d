package io.expmgr.migrate;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A transformation rules file (the FAQ's format), checked whole before any row is touched: an
 * unknown transformation, an unknown, mistyped or missing parameter, or bad JSON is refused with
 * the JSON path of the field at fault and, for a misspelt name, the closest valid one.
 *
 * <pre>
 * { "metric_transformations": [
 *     { "metric_type": "accuracy" | "*", "transformation": "scale", "rules": { "factor": 0.5 } } ],
 *   "global_settings": { "backup_original": true, "validate_after_transform": true,
 *                        "rollback_on_error": false } }
 * </pre>
 *
 * {@code params} is accepted as an alias of {@code rules}. Comments ({@code //}, {@code /* *\/})
 * are allowed, so a template can explain itself.
 *
 * @param transformations in file order; several for one metric type apply in that order
 */
public record TransformationRules(
    List<Rule> transformations,
    boolean backupOriginal,
    boolean validateAfterTransform,
    boolean rollbackOnError) {

  public TransformationRules {
    transformations = List.copyOf(transformations);
  }

  /** No transformations: metrics are copied as they are. */
  public static final TransformationRules NONE =
      new TransformationRules(List.of(), false, false, false);

  /**
   * The digest of what the rules do (their parsed form, so comments and layout do not count): a run
   * records it, and a resume with different rules is refused.
   */
  public String sha256() {
    try {
      byte[] canonical =
          new ObjectMapper()
              .configure(
                  com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS,
                  true)
              .writeValueAsBytes(this);
      var md = java.security.MessageDigest.getInstance("SHA-256");
      return java.util.HexFormat.of().formatHex(md.digest(canonical));
    } catch (JsonProcessingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The metric types whose metrics any rule can touch, or null when a rule applies to every type
   * ({@code *}). A rule after a {@code rename_type} sees the new type, but only metrics whose
   * original type some rule names are ever changed.
   */
  public java.util.SortedSet<String> typesTouched() {
    java.util.SortedSet<String> types = new java.util.TreeSet<>();
    for (Rule r : transformations) {
      if (r.metricType().equals("*")) {
        return null;
      }
      types.add(r.metricType());
    }
    return types;
  }

  /** The transformations the rules name. */
  public enum Kind {
    LEGACY_TO_PER_LABEL("legacy_to_per_label"),
    NORMALIZE_JSON_KEYS("normalize_json_keys"),
    ADD_METADATA("add_metadata"),
    SCALE("scale"),
    RENAME_TYPE("rename_type");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * One entry of {@code metric_transformations}.
   *
   * @param metricType an exact metric type, or {@code *} for every metric
   * @param params the checked parameters (strings, numbers, lists and maps of them)
   */
  public record Rule(String metricType, Kind kind, Map<String, Object> params) {
    public Rule {
      params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** Whether this rule applies to a metric of the given type. */
    public boolean appliesTo(String type) {
      return metricType.equals("*") || metricType.equals(type);
    }
  }

  /** Whether any rule needs schema 2.0 ({@code add_metadata} writes METRIC.metadata). */
  public boolean needsMetadataColumn() {
    return transformations.stream().anyMatch(r -> r.kind() == Kind.ADD_METADATA);
  }

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.ALLOW_COMMENTS)
          .enable(
              com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION
                  .mappedFeature());

  private static final Set<String> TOP = Set.of("metric_transformations", "global_settings");
  private static final Set<String> ENTRY =
      Set.of("metric_type", "transformation", "rules", "params", "description");
  private static final Set<String> GLOBAL =
      Set.of("backup_original", "validate_after_transform", "rollback_on_error");

  /** The commented template that uses every transformation (valid on schema 2.0 and later). */
  public static String template() {
    return template(true);
  }

  /**
   * The commented template, valid as it is on a database whose METRIC table has a metadata column
   * (schema 2.0 and later) or not: without one, the {@code add_metadata} entry is commented out.
   */
  public static String template(boolean metadataColumn) {
    String text;
    try (var in = TransformationRules.class.getResourceAsStream("transformation-template.json")) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("the rules template is missing from the jar", e);
    }
    StringBuilder out = new StringBuilder();
    boolean inside = false;
    int margin = 0;
    for (String line : text.split("\n", -1)) {
      String t = line.strip();
      if (t.equals("// @schema-2.0")) {
        inside = true;
        margin = line.indexOf('/');
        if (!metadataColumn) {
          out.append(line, 0, line.indexOf('/'))
              .append(
                  "// Schema 1.0 has no METRIC.metadata: upgrade, then uncomment this entry.\n");
        }
        continue;
      }
      if (t.equals("// @end")) {
        inside = false;
        continue;
      }
      if (inside && !metadataColumn) {
        int indent = Math.min(margin, line.length() - line.stripLeading().length());
        out.append(line, 0, indent).append("// ").append(line.substring(indent)).append('\n');
      } else {
        out.append(line).append('\n');
      }
    }
    out.setLength(out.length() - 1);
    return out.toString();
  }

  /** Reads and checks a rules file. */
  public static TransformationRules read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new NotFoundException("transformation file " + file + " does not exist");
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /** Checks rules given as text; {@code name} is used in messages. */
  public static TransformationRules parse(String text, String name) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new InvalidInputException(
          name
              + ": not valid JSON"
              + (loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr())
              + ": "
              + e.getOriginalMessage().lines().findFirst().orElse("")
              + "; nothing was changed",
          e);
    }
    if (root == null || !root.isObject()) {
      throw fault(name, "$", "the rules must be a JSON object with metric_transformations");
    }
    keys(root, TOP, name, "$");
    JsonNode list = root.get("metric_transformations");
    if (list == null) {
      throw fault(name, "$.metric_transformations", "is missing");
    }
    if (!list.isArray()) {
      throw fault(name, "$.metric_transformations", "must be a list of transformations");
    }
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      rules.add(rule(list.get(i), name, "$.metric_transformations[" + i + "]"));
    }
    JsonNode global = root.path("global_settings");
    boolean backup = false;
    boolean validate = true;
    boolean rollback = false;
    if (!global.isMissingNode()) {
      if (!global.isObject()) {
        throw fault(name, "$.global_settings", "must be an object");
      }
      keys(global, GLOBAL, name, "$.global_settings");
      backup = bool(global, "backup_original", false, name);
      validate = bool(global, "validate_after_transform", true, name);
      rollback = bool(global, "rollback_on_error", false, name);
    }
    return new TransformationRules(rules, backup, validate, rollback);
  }

  private static Rule rule(JsonNode e, String name, String path) {
    if (!e.isObject()) {
      throw fault(name, path, "must be an object with metric_type, transformation and rules");
    }
    keys(e, ENTRY, name, path);
    String type = text(e, "metric_type", name, path);
    String t = text(e, "transformation", name, path);
    Kind kind = null;
    for (Kind k : Kind.values()) {
      if (k.label.equals(t)) {
        kind = k;
      }
    }
    if (kind == null) {
      List<String> labels = new ArrayList<>();
      for (Kind k : Kind.values()) {
        labels.add(k.label);
      }
      throw fault(
          name,
          path + ".transformation",
          "unknown transformation '"
              + t
              + "'"
              + suggestion(t, labels)
              + " (known: "
              + String.join(", ", labels)
              + ")");
    }
    if (e.has("rules") && e.has("params")) {
      throw fault(name, path, "has both rules and params (params is another name for rules)");
    }
    String paramsKey = e.has("params") ? "params" : "rules";
    JsonNode params = e.path(paramsKey);
    String ppath = path + "." + paramsKey;
    if (params.isMissingNode()) {
      throw fault(name, ppath, "is missing");
    }
    if (!params.isObject()) {
      throw fault(name, ppath, "must be an object");
    }
    Map<String, Object> p = new LinkedHashMap<>();
    switch (kind) {
      case LEGACY_TO_PER_LABEL -> {
        keys(params, Set.of("split_by", "default_classes"), name, ppath);
        p.put("split_by", text(params, "split_by", name, ppath));
        JsonNode classes = params.path("default_classes");
        List<String> names = new ArrayList<>();
        if (!classes.isMissingNode()) {
          if (!classes.isArray()) {
            throw fault(name, ppath + ".default_classes", "must be a list of label names");
          }
          for (int i = 0; i < classes.size(); i++) {
            if (!classes.get(i).isTextual() || classes.get(i).asText().isEmpty()) {
              throw fault(name, ppath + ".default_classes[" + i + "]", "must be a label name");
            }
            names.add(classes.get(i).asText());
          }
        }
        p.put("default_classes", names);
      }
      case NORMALIZE_JSON_KEYS -> {
        keys(params, Set.of("key_mapping"), name, ppath);
        JsonNode mapping = params.path("key_mapping");
        if (!mapping.isObject() || mapping.isEmpty()) {
          throw fault(
              name,
              ppath + ".key_mapping",
              mapping.isMissingNode() ? "is missing" : "must be an object of old -> new key names");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
          var f = it.next();
          if (!f.getValue().isTextual() || f.getValue().asText().isEmpty()) {
            throw fault(name, ppath + ".key_mapping." + f.getKey(), "must be the new key name");
          }
          m.put(f.getKey(), f.getValue().asText());
        }
        p.put("key_mapping", m);
      }
      case ADD_METADATA -> {
        keys(params, Set.of("metadata"), name, ppath);
        JsonNode meta = params.path("metadata");
        if (!meta.isObject()) {
          throw fault(
              name,
              ppath + ".metadata",
              meta.isMissingNode()
                  ? "is missing"
                  : "must be an object to merge into METRIC.metadata");
        }
        p.put("metadata", JSON.convertValue(meta, Map.class));
      }
      case SCALE -> {
        keys(params, Set.of("factor"), name, ppath);
        JsonNode f = params.path("factor");
        if (f.isMissingNode()) {
          throw fault(name, ppath + ".factor", "is missing");
        }
        if (!f.isNumber() || !Double.isFinite(f.asDouble())) {
          throw fault(name, ppath + ".factor", "must be a finite number, got " + f);
        }
        p.put("factor", f.asDouble());
      }
      case RENAME_TYPE -> {
        keys(params, Set.of("to"), name, ppath);
        p.put("to", text(params, "to", name, ppath));
      }
    }
    return new Rule(type, kind, p);
  }

  private static void keys(JsonNode node, Set<String> known, String name, String path) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        throw fault(
            name,
            path + "." + k,
            "unknown field '"
                + k
                + "'"
                + suggestion(k, new ArrayList<>(known))
                + " (known: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
  }

  private static String text(JsonNode node, String field, String name, String path) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw fault(name, path + "." + field, "is missing");
    }
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw fault(name, path + "." + field, "must be a non-empty string, got " + v);
    }
    return v.asText();
  }

  private static boolean bool(JsonNode node, String field, boolean dflt, String name) {
    JsonNode v = node.get(field);
    if (v == null) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw fault(name, "$.global_settings." + field, "must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static InvalidInputException fault(String name, String path, String message) {
    return new InvalidInputException(name + ": " + path + " " + message + "; nothing was changed");
  }

  /** {@code " (did you mean 'x'?)"} for the closest name within two edits, else empty. */
  static String suggestion(String given, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(given.toLowerCase(java.util.Locale.ROOT), k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    int allowed = Math.max(2, given.length() / 4);
    return best != null && bestDistance <= allowed ? " (did you mean '" + best + "'?)" : "";
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
