package io.expmgr.cli;

import io.expmgr.cli.html.HtmlReports;
import io.expmgr.cli.html.MigrationPage;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.internal.AtomicFiles;
import io.expmgr.manager.Operations;
import io.expmgr.migrate.MigrationOptions;
import io.expmgr.migrate.MigrationProgress;
import io.expmgr.migrate.MigrationResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a batch command for the command line: Ctrl-C handling, the progress bar or log lines, the
 * summary, the JSON report, and the exit code.
 */
final class MigrationRunner {
  private MigrationRunner() {}

  static int run(
      PrintWriter out,
      String command,
      String unit,
      MigrationRunOptions cli,
      MigrationOptions options,
      ConnectionConfig ledger,
      Function<MigrationOptions, MigrationResult> engine) {
    String mode =
        Output.quiet
            ? "none"
            : ProgressDisplay.requested == ProgressDisplay.Mode.auto && cli.json
                ? "none"
                : ProgressDisplay.resolve(ProgressDisplay.requested).name();
    Output.refuseExisting(cli.report, cli.overwrite, "--output");
    if (cli.report != null) {
      // Before anything is written: a report that cannot be written fails the run at its start.
      AtomicFiles.checkWritable(cli.report);
    }
    long t0 = System.nanoTime();
    MigrationResult r;
    try (StopSignal stop = new StopSignal(System.err);
        ProgressView view = new ProgressView(out, command, unit, mode)) {
      r = engine.apply(options.withStopRequested(stop::requested).withProgress(view));
    }
    if (cli.report != null && isHtml(cli.report)) {
      boolean recorded = r.runId() != 0 && r.outcome() != MigrationResult.Outcome.DRY_RUN;
      HtmlReports.write(
          cli.report,
          "migration.jte",
          MigrationPage.of(
              command,
              unit,
              ledger.identity(),
              r,
              recorded
                  ? Operations.migrationHistory(ledger, r.runId(), MigrationPage.MAX_POINTS)
                  : List.of(),
              recorded && command.equals("transform-metrics")
                  ? Operations.valueDistribution(ledger, r.runId(), 24)
                  : List.of()));
    } else if (cli.report != null) {
      AtomicFiles.write(
          cli.report, Output.jsonText(report(command, r)).getBytes(StandardCharsets.UTF_8));
    }
    if (cli.json) {
      Output.json(out, report(command, r));
    } else {
      summary(out, command, unit, r);
    }
    out.flush();
    return switch (r.outcome()) {
      case INTERRUPTED -> ExitCodes.INTERRUPTED;
      case ROLLED_BACK -> ExitCodes.VALIDATION_FAILED;
      case COMPLETED, DRY_RUN -> r.failed() > 0 ? ExitCodes.VALIDATION_FAILED : ExitCodes.OK;
    };
  }

  static boolean isHtml(java.nio.file.Path file) {
    String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".html") || n.endsWith(".htm");
  }

  private static void summary(PrintWriter out, String command, String unit, MigrationResult r) {
    double s = r.elapsed().toNanos() / 1e9;
    switch (r.outcome()) {
      case DRY_RUN ->
          out.printf(
              "Dry run of %s: %s %s looked at: %s would change, %s unchanged, %s would fail."
                  + " Nothing was written.%n",
              command,
              Output.count(r.processed()),
              unit,
              Output.count(r.rows().getOrDefault("would_change", r.changed())),
              Output.count(r.rows().getOrDefault("unchanged", 0L)),
              Output.count(r.failed()));
      case COMPLETED -> {
        out.printf(
            "%s run %d completed%s: %s of %s %s processed, %s changed, %s failed, %s"
                + " (%s in this attempt, %.1f s).%n",
            command,
            r.runId(),
            r.resumed() ? " (resumed)" : "",
            Output.count(r.processed()),
            Output.count(r.total()),
            unit,
            Output.count(r.changed()),
            Output.count(r.failed()),
            r.batches() == 1 ? "1 batch" : Output.count(r.batches()) + " batches",
            Output.count(r.batchMillis().size()),
            s);
        if (r.newExperimentId() != null) {
          out.printf("The experiment was copied into experiment %d.%n", r.newExperimentId());
        }
        if (r.message() != null && r.message().contains("already applied these rules")) {
          out.println(
              "Left as they were: " + r.message().substring(r.message().indexOf("; ") + 2) + ".");
        }
        if (r.rows() != null && !r.rows().isEmpty() && r.newExperimentId() != null) {
          List<String> parts = new ArrayList<>();
          r.rows().forEach((k, v) -> parts.add(k + " " + Output.count(v)));
          out.println("Rows: " + String.join(", ", parts) + ".");
        }
      }
      case INTERRUPTED ->
          out.printf(
              "Interrupted: run %d stopped after batch %d with %s of %s %s done; its progress is"
                  + " saved. Run the same command again to resume it.%n",
              r.runId(), r.batches(), Output.count(r.processed()), Output.count(r.total()), unit);
      case ROLLED_BACK ->
          out.printf(
              "Run %d was rolled back (rollback_on_error): %s. The database is as it was"
                  + " before the run.%n",
              r.runId(), r.message());
    }
    if (!r.failures().isEmpty()) {
      out.printf("Failures (%s; first %d shown):%n", Output.count(r.failed()), r.failures().size());
      int shown = 0;
      for (MigrationResult.Failure f : r.failures()) {
        if (shown++ == 10) {
          out.printf("  ... see the log or --report for the rest%n");
          break;
        }
        out.printf("  %d: %s%n", f.itemId(), f.reason());
      }
    }
    if (r.snapshotId() != null && r.outcome() != MigrationResult.Outcome.DRY_RUN) {
      out.printf(
          "Safety snapshot taken before the run: %s (restore-snapshot --snapshot-id %s).%n",
          r.snapshotId(), r.snapshotId());
    }
  }

  static Map<String, Object> report(String command, MigrationResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", command);
    m.put("run_id", r.runId());
    m.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
    m.put("resumed", r.resumed());
    if (r.newExperimentId() != null) {
      m.put("new_experiment_id", r.newExperimentId());
    }
    m.put("items_processed", r.processed());
    m.put("items_total", r.total());
    m.put("items_changed", r.changed());
    m.put("failures", r.failed());
    List<Map<String, Object>> f = new ArrayList<>();
    for (MigrationResult.Failure x : r.failures()) {
      f.add(Map.of("id", x.itemId(), "reason", x.reason()));
    }
    m.put("failure_samples", f);
    m.put("rows", r.rows());
    m.put("batches", r.batches());
    double seconds = r.elapsed().toNanos() / 1e9;
    m.put("total_seconds", Math.round(seconds * 1000) / 1000.0);
    long thisAttempt = r.batchMillis().size();
    m.put("batches_this_attempt", thisAttempt);
    List<Long> sorted = new ArrayList<>(r.batchMillis());
    Collections.sort(sorted);
    Map<String, Object> bt = new LinkedHashMap<>();
    if (!sorted.isEmpty()) {
      bt.put("min", sorted.get(0));
      bt.put("median", sorted.get(sorted.size() / 2));
      bt.put("p95", sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.95))));
      bt.put("max", sorted.get(sorted.size() - 1));
      bt.put("mean", sorted.stream().mapToLong(Long::longValue).average().orElse(0));
    }
    bt.put("each", r.batchMillis());
    m.put("batch_ms", bt);
    m.put("items_per_second", seconds > 0 ? Math.round(r.processed() / seconds) : 0);
    m.put("peak_heap_bytes", r.peakHeapBytes());
    m.put("snapshot_id", r.snapshotId());
    m.put("message", r.message());
    return m;
  }

  /** The progress bar, or log lines every five seconds, or nothing. */
  static final class ProgressView implements MigrationProgress.Listener, AutoCloseable {
    private final PrintWriter out;
    private final String command;
    private final String unit;
    private final String mode;
    private ProgressDisplay bar;
    private ProgressDisplay steps;
    private long lastLine;
    private long lastProcessed = -1;

    ProgressView(PrintWriter out, String command, String unit, String mode) {
      this.out = out;
      this.command = command;
      this.unit = unit;
      this.mode = mode;
    }

    @Override
    public void onBatch(MigrationProgress p) {
      if (steps != null) {
        // The steps before the batches (a safety snapshot) are over.
        steps.close();
        steps = null;
      }
      if (mode.equals("bar")) {
        if (bar == null) {
          bar = ProgressDisplay.of(ProgressDisplay.Mode.bar, command, unit);
        }
        // Unknown (-1) while the run still counts its items: an open-ended bar.
        bar.onProgress(p.processed(), p.total() < 0 ? -1 : Math.max(p.total(), p.processed()));
      } else if (mode.equals("log")) {
        long now = System.nanoTime();
        boolean done = p.total() >= 0 && p.processed() >= p.total();
        if (p.processed() != lastProcessed
            && (now - lastLine >= 5_000_000_000L || lastLine == 0 || done)) {
          lastLine = now;
          lastProcessed = p.processed();
          double rate = p.itemsPerSecond();
          long left = Math.max(0, p.total() - p.processed());
          out.printf(
              "%s %s run %d: %s/%s %s (%s), %s %s/s, batch %d, %s failed%s%n",
              LocalTime.now().withNano(0),
              command,
              p.runId(),
              Output.count(p.processed()),
              p.total() < 0 ? "?" : Output.count(p.total()),
              unit,
              p.total() < 0
                  ? "counting"
                  : (p.total() == 0 ? 100 : Math.min(100, p.processed() * 100 / p.total())) + "%",
              Output.count(Math.round(rate)),
              unit,
              p.batches(),
              Output.count(p.failed()),
              rate > 0 && left > 0 ? ", ETA " + Math.round(left / rate) + " s" : "");
          out.flush();
        }
      }
    }

    @Override
    public io.expmgr.ProgressListener steps() {
      if (steps == null) {
        steps =
            ProgressDisplay.of(
                mode.equals("bar")
                    ? ProgressDisplay.Mode.bar
                    : mode.equals("log") ? ProgressDisplay.Mode.log : ProgressDisplay.Mode.none,
                command,
                "");
      }
      return steps;
    }

    @Override
    public void close() {
      if (steps != null) {
        steps.close();
      }
      if (bar != null) {
        bar.close();
      }
    }
  }
}
