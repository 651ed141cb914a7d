package io.expmgr.cli.html;

import io.expmgr.migrate.MigrationResult;
import io.expmgr.migrate.MigrationRuns;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The page of a migration run ({@code --report FILE.html} of transform-metrics and
 * migrate-experiment): what it did, items, rate and batch time over the run with its resumes and
 * its stop marked, its failures, and for a transform the values before and after.
 */
public record MigrationPage(
    String title,
    String subtitle,
    String status,
    List<String[]> facts,
    List<Charts.LineChart> charts,
    Samples failures,
    List<Histogram> distributions,
    String message) {

  /** Points a chart draws at most; a longer run's history is thinned evenly. */
  public static final int MAX_POINTS = 400;

  /**
   * Values before and after, side by side per bin.
   *
   * @param bars per bin: x, width, and the heights before and after, in pixels
   */
  public record Histogram(
      String type, long count, String lower, String upper, List<double[]> bars, int height) {}

  /** The page of a run, from its result, its recorded batches and its value distributions. */
  public static MigrationPage of(
      String command,
      String unit,
      String database,
      MigrationResult r,
      List<MigrationRuns.BatchRecord> history,
      List<MigrationRuns.Distribution> distributions) {
    List<String[]> facts = new ArrayList<>();
    facts.add(new String[] {"run", r.runId() == 0 ? "none (dry run)" : String.valueOf(r.runId())});
    facts.add(new String[] {"outcome", outcome(r)});
    facts.add(
        new String[] {
          unit + " processed",
          HtmlReports.count(r.processed()) + " of " + HtmlReports.count(Math.max(0, r.total()))
        });
    facts.add(new String[] {"changed", HtmlReports.count(r.changed())});
    facts.add(new String[] {"failed", HtmlReports.count(r.failed())});
    facts.add(new String[] {"batches", HtmlReports.count(r.batches())});
    facts.add(new String[] {"this attempt", HtmlReports.millis(r.elapsed().toMillis())});
    double seconds = r.elapsed().toNanos() / 1e9;
    facts.add(
        new String[] {
          "rate",
          HtmlReports.count(seconds > 0 ? Math.round(r.processed() / seconds) : 0)
              + " "
              + unit
              + "/s"
        });
    if (r.newExperimentId() != null) {
      facts.add(new String[] {"new experiment", String.valueOf(r.newExperimentId())});
    }
    if (r.snapshotId() != null) {
      facts.add(new String[] {"safety snapshot", r.snapshotId()});
    }
    List<Charts.LineChart> charts = charts(unit, r.outcome(), history);
    List<java.util.Map<String, Object>> rows = new ArrayList<>();
    for (MigrationResult.Failure f : r.failures()) {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("metric or row id", f.itemId());
      m.put("reason", f.reason());
      rows.add(m);
    }
    Samples failures =
        rows.isEmpty()
            ? null
            : Samples.of(
                "Failures: " + HtmlReports.count(r.failed()) + " in all, these kept by the run",
                rows);
    List<Histogram> hs = new ArrayList<>();
    for (MigrationRuns.Distribution d : distributions) {
      hs.add(histogram(d));
    }
    return new MigrationPage(
        command + " run " + (r.runId() == 0 ? "(dry run)" : r.runId()) + " on " + database,
        r.resumed() ? "A resumed run: the charts show every attempt." : "One attempt.",
        status(r),
        facts,
        charts,
        failures,
        hs,
        r.message());
  }

  private static String outcome(MigrationResult r) {
    return r.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ')
        + (r.resumed() ? " (resumed)" : "");
  }

  private static String status(MigrationResult r) {
    return switch (r.outcome()) {
      case COMPLETED -> r.failed() > 0 ? "WARN" : "COMPLETED";
      case DRY_RUN -> "DRY_RUN";
      case INTERRUPTED -> "INTERRUPTED";
      case ROLLED_BACK -> "ROLLED_BACK";
    };
  }

  static List<Charts.LineChart> charts(
      String unit, MigrationResult.Outcome outcome, List<MigrationRuns.BatchRecord> history) {
    if (history.size() < 2) {
      return List.of();
    }
    LocalDateTime start =
        history.get(0).finishedAt().minus(Duration.ofMillis(history.get(0).millis()));
    int n = history.size();
    double[] t = new double[n];
    double[] items = new double[n];
    double[] rate = new double[n];
    double[] ms = new double[n];
    double[] batch = new double[n];
    List<double[]> marks = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    List<double[]> batchMarks = new ArrayList<>();
    long lastProcessed = 0;
    long lastBatch = 0;
    for (int i = 0; i < n; i++) {
      MigrationRuns.BatchRecord b = history.get(i);
      t[i] = Duration.between(start, b.finishedAt()).toMillis() / 1000.0;
      items[i] = b.processed();
      batch[i] = b.batch();
      ms[i] = b.millis();
      long done = b.processed() - lastProcessed;
      long batchesDone = Math.max(1, b.batch() - lastBatch);
      rate[i] = b.millis() > 0 ? done * 1000.0 / (b.millis() * (double) batchesDone) : 0;
      lastProcessed = b.processed();
      lastBatch = b.batch();
      if (i > 0 && b.attempt() != history.get(i - 1).attempt()) {
        marks.add(new double[] {t[i]});
        batchMarks.add(new double[] {batch[i]});
        labels.add("resumed (attempt " + b.attempt() + ")");
      }
    }
    if (outcome == MigrationResult.Outcome.INTERRUPTED) {
      marks.add(new double[] {t[n - 1]});
      batchMarks.add(new double[] {batch[n - 1]});
      labels.add("stopped");
    }
    double span = t[n - 1] - t[0];
    java.util.function.DoubleFunction<String> secs = v -> seconds(v, span);
    java.util.function.DoubleFunction<String> counts = v -> HtmlReports.count(Math.round(v));
    List<Charts.LineChart> out = new ArrayList<>();
    out.add(
        Charts.lines(
            unit + " done over the run",
            "time since the first batch started",
            unit,
            t,
            items,
            marks,
            labels,
            secs,
            counts));
    out.add(
        Charts.lines("Rate per batch", "time", unit + "/s", t, rate, marks, labels, secs, counts));
    out.add(
        Charts.lines(
            "Batch time",
            "batch",
            "ms",
            batch,
            ms,
            batchMarks,
            labels,
            v -> HtmlReports.count(Math.round(v)),
            v -> HtmlReports.count(Math.round(v)) + " ms"));
    return out;
  }

  /** A time on an axis that spans {@code span} seconds, to the precision the span needs. */
  static String seconds(double v, double span) {
    if (span < 2) {
      return String.format(Locale.ROOT, "%.2f s", v);
    }
    if (span < 20) {
      return String.format(Locale.ROOT, "%.1f s", v);
    }
    if (span < 180) {
      return String.format(Locale.ROOT, "%.0f s", v);
    }
    long s = Math.round(v);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  static Histogram histogram(MigrationRuns.Distribution d) {
    int bins = d.before().length;
    long max = 1;
    for (int i = 0; i < bins; i++) {
      max = Math.max(max, Math.max(d.before()[i], d.after()[i]));
    }
    int height = 120;
    double slot = 600.0 / bins;
    List<double[]> bars = new ArrayList<>();
    for (int i = 0; i < bins; i++) {
      bars.add(
          new double[] {
            20 + i * slot,
            Math.max(1, slot / 2 - 1),
            height * d.before()[i] / (double) max,
            height * d.after()[i] / (double) max,
            d.before()[i],
            d.after()[i]
          });
    }
    return new Histogram(
        d.type(),
        d.count(),
        String.format(Locale.ROOT, "%.6g", d.lower()),
        String.format(Locale.ROOT, "%.6g", d.upper()),
        bars,
        height);
  }
}
