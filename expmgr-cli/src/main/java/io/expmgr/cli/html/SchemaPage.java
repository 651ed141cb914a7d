package io.expmgr.cli.html;

import io.expmgr.upgrade.SchemaStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The page of {@code schema status --html}: the database's tables against the model of its version,
 * and what an upgrade to the latest version would apply.
 */
public record SchemaPage(
    String title,
    String subtitle,
    String status,
    List<String[]> facts,
    List<TableRow> tables,
    List<String> extraTables,
    List<Step> pending) {

  private static final List<String> BATCH_LEVEL =
      List.of("BATCH", "BATCH_METRIC", "BATCH_ARTIFACT");

  /** A model table and how the database has it. */
  public record TableRow(
      String name, String columns, String state, String stateClass, String note) {}

  /** A change an upgrade would apply. */
  public record Step(String version, String change) {}

  /** The page of a status; {@code model} gives the model's tables and columns of its version. */
  public static SchemaPage of(SchemaStatus s, Map<String, List<String>> model) {
    List<String[]> facts = new ArrayList<>();
    facts.add(
        new String[] {
          "version",
          s.empty()
              ? "none (no experiment tables)"
              : s.version() == null
                  ? "unknown: the tables match no version"
                  : s.version() + (s.recorded() ? " (recorded)" : " (recognised from its tables)")
        });
    facts.add(new String[] {"latest", s.latest()});
    facts.add(new String[] {"available", String.join(", ", s.available())});
    facts.add(
        new String[] {"layout", s.layout() + (s.batchLevel() ? ", with the batch level" : "")});
    if (s.trackerVersion() != null) {
      facts.add(new String[] {"tracker version", s.trackerVersion()});
    }
    List<TableRow> tables = new ArrayList<>();
    for (var e : model.entrySet()) {
      String table = e.getKey();
      List<String> missingColumns = new ArrayList<>();
      boolean tableMissing = false;
      for (String m : s.missing()) {
        if (m.equalsIgnoreCase(table)) {
          tableMissing = true;
        } else if (m.toUpperCase(java.util.Locale.ROOT)
            .startsWith(table.toUpperCase(java.util.Locale.ROOT) + ".")) {
          missingColumns.add(m.substring(table.length() + 1));
        }
      }
      List<String> extra = new ArrayList<>();
      for (String x : s.extra()) {
        if (x.toUpperCase(java.util.Locale.ROOT)
            .startsWith(table.toUpperCase(java.util.Locale.ROOT) + ".")) {
          extra.add(x.substring(table.length() + 1));
        }
      }
      boolean optionalAbsent =
          !s.batchLevel() && BATCH_LEVEL.contains(table) && !s.empty() && !tableMissing;
      if (optionalAbsent) {
        tables.add(
            new TableRow(
                table,
                String.join(", ", e.getValue()),
                "not present",
                "unknown",
                "optional: the batch level is made when data with batches arrives"));
        continue;
      }
      String state = tableMissing ? "missing" : missingColumns.isEmpty() ? "ok" : "missing columns";
      String note =
          (missingColumns.isEmpty() ? "" : "missing: " + String.join(", ", missingColumns))
              + (extra.isEmpty()
                  ? ""
                  : (missingColumns.isEmpty() ? "" : "; ")
                      + "other columns, carried unchanged: "
                      + String.join(", ", extra));
      tables.add(
          new TableRow(
              table,
              String.join(", ", e.getValue()),
              s.empty() ? "none yet" : state,
              tableMissing || !missingColumns.isEmpty() ? "FAIL" : s.empty() ? "unknown" : "ok",
              note));
    }
    List<Step> pending = new ArrayList<>();
    s.pending().forEach((v, changes) -> changes.forEach(c -> pending.add(new Step(v, c))));
    String status =
        s.empty() ? null : !s.matchesModel() ? "FAIL" : pending.isEmpty() ? "PASS" : "WARN";
    return new SchemaPage(
        "Schema of " + s.database(),
        s.matchesModel()
            ? "Its tables match the model of " + s.version() + "."
            : s.empty()
                ? "No experiment tables yet."
                : "Its tables do not match a model: see below.",
        status,
        facts,
        tables,
        s.extraTables(),
        pending);
  }
}
