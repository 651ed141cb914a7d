package io.expmgr.cli;

import io.expmgr.validate.CheckResult;
import io.expmgr.validate.ValidationReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The short human summary of a validation report. */
final class ReportPrinter {
  private ReportPrinter() {}

  static void print(PrintWriter out, ValidationReport r) {
    out.printf(
        "Validation of %s (schema %s%s): %s%n",
        r.database(),
        r.schemaVersion(),
        r.experimentId().isPresent() ? ", experiment " + r.experimentId().getAsLong() : "",
        r.overallStatus());
    List<List<String>> rows = new ArrayList<>();
    for (CheckResult c : r.checks()) {
      rows.add(
          List.of(
              c.name(),
              c.status().name(),
              Output.count(c.issues()),
              String.format("%.2f s", c.durationMillis() / 1000.0),
              c.summary()));
    }
    Output.table(out, List.of("check", "status", "issues", "time", "summary"), rows);
    Map<String, Long> fk = r.foreignKeyViolations();
    if (!fk.isEmpty()) {
      out.println("Foreign-key violations (rows with a missing parent): " + join(fk));
    }
    for (CheckResult c : r.checks()) {
      if (c.issues() > 0 && !c.name().equals("foreign_keys")) {
        Map<String, Object> counts = new java.util.LinkedHashMap<>();
        c.details()
            .forEach(
                (k, v) -> {
                  if (v instanceof Number n
                      && n.longValue() > 0
                      && !k.equals("checked")
                      && !k.equals("null_values")) {
                    counts.put(k, n);
                  }
                });
        if (!counts.isEmpty()) {
          out.println(c.name() + ": " + join(counts));
        }
        for (String m : c.messages()) {
          out.println("  " + m);
        }
      }
    }
    int n = r.checks().size();
    long warnings = r.count(io.expmgr.validate.Status.WARN);
    out.printf(
        "%d %s in %.2f s: %d passed, %d %s, %d failed%n",
        n,
        n == 1 ? "check" : "checks",
        r.durationMillis() / 1000.0,
        r.count(io.expmgr.validate.Status.PASS),
        warnings,
        warnings == 1 ? "warning" : "warnings",
        r.count(io.expmgr.validate.Status.FAIL));
    out.flush();
  }

  private static String join(Map<String, ?> m) {
    List<String> parts = new ArrayList<>();
    m.forEach((k, v) -> parts.add(k + " " + v));
    return String.join(", ", parts);
  }
}
