package io.expmgr.cli.html;

import io.expmgr.migrate.MigrationResult;
import io.expmgr.migrate.MigrationRun;
import io.expmgr.migrate.MigrationRuns;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The page of {@code list-migrations --html}: every run with its state and progress, newest first,
 * and the charts of the newest runs from their recorded batches.
 */
public record RunsPage(
    String title, String status, List<Run> runs, int omitted, List<Charted> charted) {

  /** Runs listed at most; the JSON of list-migrations has them all. */
  public static final int MAX_RUNS = 200;

  /** Runs whose charts the page draws. */
  public static final int CHARTED = 5;

  /** One run's row. */
  public record Run(
      long id,
      String kind,
      String state,
      String stateClass,
      String progress,
      double percent,
      String changed,
      String failed,
      String batches,
      String started,
      String finished,
      String message) {}

  /** A run's charts, and its failures when it had any. */
  public record Charted(long id, String kind, List<Charts.LineChart> charts, Samples failures) {}

  /** The page of a database's runs; {@code history} gives a run's recorded batches by its id. */
  public static RunsPage of(
      String database,
      List<MigrationRun> runs,
      LongFunction<List<MigrationRuns.BatchRecord>> history,
      LongFunction<List<MigrationResult.Failure>> failures) {
    List<Run> rows = new ArrayList<>();
    List<Charted> charted = new ArrayList<>();
    boolean trouble = false;
    for (MigrationRun r : runs) {
      if (rows.size() == MAX_RUNS) {
        break;
      }
      String state = r.state().label();
      trouble |=
          r.state() == MigrationRun.State.INTERRUPTED || r.state() == MigrationRun.State.RUNNING;
      double pct =
          r.total() <= 0 ? (r.processed() > 0 ? 100 : 0) : 100.0 * r.processed() / r.total();
      rows.add(
          new Run(
              r.runId(),
              r.kind(),
              state,
              state.replace(' ', '_'),
              HtmlReports.count(r.processed()) + " / " + HtmlReports.count(Math.max(0, r.total())),
              Math.min(100, pct),
              HtmlReports.count(r.changed()),
              HtmlReports.count(r.failed()),
              HtmlReports.count(r.batches()),
              r.startedAt() == null ? "" : r.startedAt().withNano(0).toString().replace('T', ' '),
              r.finishedAt() == null ? "" : r.finishedAt().withNano(0).toString().replace('T', ' '),
              r.message() == null ? "" : HtmlReports.cell(r.message())));
      if (charted.size() < CHARTED) {
        List<MigrationRuns.BatchRecord> h = history.apply(r.runId());
        MigrationResult.Outcome o =
            r.state() == MigrationRun.State.INTERRUPTED
                ? MigrationResult.Outcome.INTERRUPTED
                : MigrationResult.Outcome.COMPLETED;
        List<Charts.LineChart> charts =
            h.size() >= 2 ? MigrationPage.charts(unit(r.kind()), o, h) : List.of();
        Samples failed = null;
        if (r.failed() > 0) {
          List<java.util.Map<String, Object>> rowsOfFailures = new ArrayList<>();
          for (MigrationResult.Failure f : failures.apply(r.runId())) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("metric or row id", f.itemId());
            m.put("reason", f.reason());
            rowsOfFailures.add(m);
          }
          failed =
              Samples.of(
                  "Failures of run "
                      + r.runId()
                      + ": "
                      + HtmlReports.count(r.failed())
                      + " in all, the first by id",
                  rowsOfFailures);
        }
        if (!charts.isEmpty() || failed != null) {
          charted.add(new Charted(r.runId(), r.kind(), charts, failed));
        }
      }
    }
    return new RunsPage(
        "Migration runs of " + database,
        runs.isEmpty() ? null : trouble ? "WARN" : "PASS",
        rows,
        runs.size() - rows.size(),
        charted);
  }

  private static String unit(String kind) {
    return kind.equals("transform-metrics") ? "metrics" : "rows";
  }
}
