package io.expmgr.validate;

import io.expmgr.api.DatabaseManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One integrity check. Implement it and register it with {@link
 * DataValidator#register(ValidationCheck)}; its findings appear in the same report as the built-in
 * checks. Checks return findings as data and throw only when they cannot run.
 */
public interface ValidationCheck {
  /** A short snake_case name, unique in a report. */
  String name();

  /** Runs the check. */
  CheckResult run(ValidationContext context);

  /**
   * A check made of one query: every row it returns is a finding, described by {@code message}. The
   * FAQ's "experiments without trials" is:
   *
   * <pre>{@code
   * ValidationCheck.fromQuery("experiments_without_trials", Status.WARN,
   *     "SELECT e.id, e.title FROM EXPERIMENT e LEFT JOIN TRIAL t ON e.id = t.experiment_id"
   *         + " WHERE t.id IS NULL",
   *     row -> "Experiment " + row.get("id") + " has no trials");
   * }</pre>
   *
   * Rows are streamed; only the first sample-size ones are kept as messages.
   */
  static ValidationCheck fromQuery(
      String name, Status severity, String sql, Function<Map<String, Object>, String> message) {
    return new ValidationCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public CheckResult run(ValidationContext context) {
        List<String> messages = new ArrayList<>();
        long[] count = {0};
        try (DatabaseManager db = context.manager()) {
          db.forEachRow(
              sql,
              rs -> {
                count[0]++;
                if (messages.size() < context.sampleSize()) {
                  Map<String, Object> row = new java.util.LinkedHashMap<>();
                  for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                  }
                  messages.add(message.apply(row));
                }
              });
        }
        Status status = count[0] == 0 ? Status.PASS : severity;
        return new CheckResult(
            name, status, count[0], count[0] + " findings", Map.of(), List.of(), messages, 0);
      }
    };
  }
}
