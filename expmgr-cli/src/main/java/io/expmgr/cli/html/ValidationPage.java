package io.expmgr.cli.html;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.expmgr.validate.CheckResult;
import io.expmgr.validate.Status;
import io.expmgr.validate.ValidationReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The page of {@code validate --html} and {@code check-hierarchy --html}: the overall status, one
 * card per check, the findings per table as a chart, and what to do about each kind of finding.
 *
 * @param target how the next steps' commands name the database ({@code -d ...})
 */
public record ValidationPage(
    String title,
    String database,
    String engine,
    String schemaVersion,
    String generatedAt,
    String status,
    long passed,
    long warnings,
    long failures,
    String totalIssues,
    String duration,
    List<Card> cards,
    Charts.BarChart perTable,
    List<NextStep> nextSteps) {

  /** A count of one kind of finding. */
  public record Kind(String label, String count, boolean nonZero) {}

  /** One check's card. */
  public record Card(
      String name,
      String title,
      String status,
      String issues,
      String summary,
      String duration,
      List<Kind> kinds,
      List<String> messages,
      List<Samples> samples) {}

  /**
   * What to do about a kind of finding: advice and the exact command; {@code file} and {@code
   * content} when the command needs a file written first.
   */
  public record NextStep(
      String finding, String advice, String command, String file, String content) {}

  private static final Map<String, String> TITLES =
      Map.of(
          "foreign_keys", "Links to missing parents",
          "per_label_val", "Per-label values",
          "hierarchy", "Experiment hierarchy",
          "orphans", "Metrics and artifacts nothing links to");

  /** The page of a report; {@code target} is how commands name the database. */
  public static ValidationPage of(ValidationReport r, String command, String target) {
    List<Card> cards = new ArrayList<>();
    Map<String, Long> perTable = new LinkedHashMap<>();
    for (CheckResult c : r.checks()) {
      cards.add(card(c, perTable));
    }
    List<String> labels = new ArrayList<>(perTable.keySet());
    Charts.BarChart chart =
        perTable.isEmpty()
            ? null
            : Charts.bars(
                "Rows with a missing parent, per table",
                labels,
                labels.stream().map(perTable::get).toList(),
                "fail");
    String title =
        (command.equals("check-hierarchy") ? "Hierarchy check of " : "Validation of ")
            + r.database()
            + (r.experimentId().isPresent() ? ", experiment " + r.experimentId().getAsLong() : "");
    return new ValidationPage(
        title,
        r.database(),
        r.engine(),
        r.schemaVersion(),
        r.generatedAt().toString(),
        r.overallStatus().name(),
        r.count(Status.PASS),
        r.count(Status.WARN),
        r.count(Status.FAIL),
        HtmlReports.count(r.totalIssues()),
        HtmlReports.millis(r.durationMillis()),
        cards,
        chart,
        nextSteps(r, target));
  }

  private static Card card(CheckResult c, Map<String, Long> perTable) {
    List<Kind> kinds = new ArrayList<>();
    List<Samples> samples = new ArrayList<>();
    if (c.name().equals("foreign_keys")) {
      c.details()
          .forEach(
              (table, entry) -> {
                if (entry instanceof Map<?, ?> m && m.get("count") instanceof Number n) {
                  perTable.merge(table, n.longValue(), Long::sum);
                  kinds.add(new Kind(table, HtmlReports.count(n.longValue()), n.longValue() > 0));
                  if (m.get("sample") instanceof List<?> rows && !rows.isEmpty()) {
                    samples.add(Samples.of(table, rowsOf(rows)));
                  }
                }
              });
    } else {
      c.details()
          .forEach(
              (key, value) -> {
                if (value instanceof Number n && !key.equals("issues")) {
                  kinds.add(
                      new Kind(
                          key.replace('_', ' '),
                          HtmlReports.count(n.longValue()),
                          n.longValue() > 0));
                }
              });
      if (!c.sample().isEmpty()) {
        samples.add(Samples.of("Sample", c.sample()));
      }
    }
    return new Card(
        c.name(),
        TITLES.getOrDefault(c.name(), c.name()),
        c.status().name(),
        HtmlReports.count(c.issues()),
        c.summary(),
        HtmlReports.millis(c.durationMillis()),
        kinds,
        c.messages(),
        samples);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rowsOf(List<?> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : rows) {
      if (o instanceof Map<?, ?> m) {
        out.add((Map<String, Object>) m);
      }
    }
    return out;
  }

  private static List<NextStep> nextSteps(ValidationReport r, String target) {
    List<NextStep> steps = new ArrayList<>();
    r.check("foreign_keys")
        .filter(c -> c.issues() > 0)
        .ifPresent(
            c ->
                steps.add(
                    new NextStep(
                        HtmlReports.count(c.issues()) + " rows link to a missing parent",
                        "Look at what would be removed (nothing changes), then remove it; a safety"
                            + " snapshot is taken first.",
                        "expmgr cleanup-orphans "
                            + target
                            + " --dry-run --html cleanup.html\n"
                            + "expmgr cleanup-orphans "
                            + target,
                        null,
                        null)));
    r.check("per_label_val")
        .filter(c -> c.issues() > 0)
        .ifPresent(c -> steps.addAll(perLabelSteps(c, target)));
    r.check("hierarchy")
        .filter(c -> c.issues() > 0)
        .ifPresent(
            c ->
                steps.add(
                    new NextStep(
                        HtmlReports.count(c.issues()) + " hierarchy findings",
                        "Trials without runs and runs without epochs are often runs that were"
                            + " stopped early; nothing breaks. See all of them, per experiment:",
                        "expmgr check-hierarchy "
                            + target
                            + " --sample-size 1000 --html"
                            + " hierarchy.html",
                        null,
                        null)));
    r.check("orphans")
        .filter(c -> c.issues() > 0)
        .ifPresent(
            c ->
                steps.add(
                    new NextStep(
                        HtmlReports.count(c.issues()) + " metrics or artifacts nothing links to",
                        "They are kept: an import or a tracker run may still link them. Export"
                            + " what you need before removing anything by hand, after a snapshot:",
                        "expmgr create-snapshot " + target + " --description 'before tidying'",
                        null,
                        null)));
    return steps;
  }

  /** Legacy per-label arrays are fixed by a rules file; other bad values are shown to fix. */
  private static List<NextStep> perLabelSteps(CheckResult c, String target) {
    List<NextStep> steps = new ArrayList<>();
    long legacy = c.details().get("legacy_array") instanceof Number n ? n.longValue() : 0;
    if (legacy > 0) {
      TreeSet<String> types = new TreeSet<>();
      for (Map<String, Object> row : c.sample()) {
        if ("legacy_array".equals(row.get("kind")) && row.get("type") != null) {
          types.add(String.valueOf(row.get("type")));
        }
      }
      if (types.isEmpty() || types.size() < 1) {
        types.add("*");
      }
      StringBuilder rules = new StringBuilder("{\n  \"metric_transformations\": [\n");
      int i = 0;
      for (String t : types) {
        rules
            .append("    {\"metric_type\": ")
            .append(jsonString(t))
            .append(", \"transformation\": \"legacy_to_per_label\",")
            .append(" \"rules\": {\"split_by\": \"class_\"}}")
            .append(++i < types.size() ? ",\n" : "\n");
      }
      rules.append(
          "  ],\n  \"global_settings\": {\"backup_original\": true,"
              + " \"validate_after_transform\": true}\n}\n");
      steps.add(
          new NextStep(
              HtmlReports.count(legacy)
                  + " per-label values are legacy arrays ([0.9, 0.8] instead of"
                  + " {\"class_0\": 0.9, ...})",
              "Save these rules as fix-legacy.json (the types are those of the sample; add any"
                  + " other), try them, then run them; the originals are kept for"
                  + " rollback-transform.",
              "expmgr transform-metrics "
                  + target
                  + " --transformation-file fix-legacy.json --dry-run\n"
                  + "expmgr transform-metrics "
                  + target
                  + " --transformation-file fix-legacy.json --report fix-legacy.html",
              "fix-legacy.json",
              rules.toString()));
    }
    long other = c.issues() - legacy;
    if (other > 0) {
      steps.add(
          new NextStep(
              HtmlReports.count(other) + " per-label values are not valid per-label JSON",
              "These need a person: the sample names each metric and what is wrong. Fix them at"
                  + " the source, or set them to null; a rules file can rename keys"
                  + " (normalize_json_keys). Start from the template:",
              "expmgr create-transformation-template " + target + " -o rules.json",
              null,
              null));
    }
    return steps;
  }

  private static String jsonString(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }
}
