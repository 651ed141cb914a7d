package io.expmgr.validate;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The result of a validation run: the overall status (the worst of the checks), totals, and each
 * check's findings. {@link ReportJson} writes it in the shape the FAQ's scripts read ({@code
 * summary.overall_status}, {@code foreign_key_violations} keyed by table).
 *
 * @param database password-free identity of the database
 * @param engine {@code sqlite} or {@code mysql}
 * @param schemaVersion the schema version: recorded, or recognised from the tables
 * @param experimentId the experiment the run was limited to, if any
 * @param generatedAt when the run started
 * @param checks each check's result, in run order
 * @param durationMillis wall time of the whole run
 */
public record ValidationReport(
    String database,
    String engine,
    String schemaVersion,
    OptionalLong experimentId,
    OffsetDateTime generatedAt,
    List<CheckResult> checks,
    long durationMillis) {

  public ValidationReport {
    checks = List.copyOf(checks);
  }

  /** The worst status of all checks; PASS when there are none. */
  public Status overallStatus() {
    return checks.stream().map(CheckResult::status).reduce(Status.PASS, Status::and);
  }

  /** {@code PASS}, {@code WARN} or {@code FAIL}, as {@code summary.overall_status} in the JSON. */
  public String summaryStatus() {
    return overallStatus().name();
  }

  public long totalIssues() {
    return checks.stream().mapToLong(CheckResult::issues).sum();
  }

  public long count(Status status) {
    return checks.stream().filter(c -> c.status() == status).count();
  }

  public Optional<CheckResult> check(String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * Rows with a missing parent, per child table (only tables that have some): the number of rows of
   * each. Empty when every foreign key holds or the check did not run.
   */
  public Map<String, Long> foreignKeyViolations() {
    Map<String, Long> out = new LinkedHashMap<>();
    check(ForeignKeyCheck.NAME)
        .ifPresent(
            c ->
                c.details()
                    .forEach(
                        (table, entry) ->
                            out.put(
                                table, ((Number) ((Map<?, ?>) entry).get("count")).longValue())));
    return out;
  }
}
