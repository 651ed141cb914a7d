package io.expmgr.cli;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateResult;
import io.expmgr.manager.Operations;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr generate}: a synthetic experiment database of a chosen shape. */
@Command(
    name = "generate",
    description = {
      "Builds a synthetic experiment database of a chosen shape, reproducible for a seed,",
      "into SQLite (a new file is built under a temporary name, then renamed) or MySQL.",
      "Counts are per parent: trials per experiment, runs per trial, epochs per run,",
      "metrics per epoch and per results."
    },
    sortOptions = false,
    mixinStandardHelpOptions = true)
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--experiments",
      defaultValue = "2",
      description = "Experiments (default: ${DEFAULT-VALUE}).")
  int experiments;

  @Option(
      names = "--trials",
      defaultValue = "3",
      description = "Trials per experiment (default: ${DEFAULT-VALUE}).")
  int trials;

  @Option(
      names = "--runs",
      defaultValue = "2",
      description = "Runs per trial (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--epochs",
      defaultValue = "10",
      description = "Epochs per run (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--metrics",
      defaultValue = "4",
      description =
          "Metrics per epoch and per results, types loss, accuracy, f1_score, precision, recall, auc (default: ${DEFAULT-VALUE}).")
  int metrics;

  @Option(
      names = "--classes",
      defaultValue = "3",
      description = "Labels per per-label value (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(
      names = "--artifacts",
      defaultValue = "1",
      description = "Artifacts per experiment, trial, run and results (default: ${DEFAULT-VALUE}).")
  int artifacts;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of every value (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--legacy-metrics",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Plant N metrics with legacy per-label values (JSON arrays, keys like acc_class_0).")
  int legacyMetrics;

  @Option(
      names = "--orphans",
      defaultValue = "0",
      paramLabel = "N",
      description = "Plant N rows whose parent is missing, spread over 8 tables.")
  int orphans;

  @Option(
      names = "--bad-json",
      defaultValue = "0",
      paramLabel = "N",
      description = "Plant N metrics with malformed or non-numeric per-label values.")
  int badJson;

  @Option(
      names = "--layout",
      completionCandidates = GenerateCommand.Layouts.class,
      defaultValue = "expmgr",
      paramLabel = "LAYOUT",
      description =
          "Whose DDL a new database gets: expmgr (its own: indexes, WAL), tracker (the experiment"
              + " tracker's: no secondary indexes, rollback journal, ISO times, SCHEMA_VERSION) or"
              + " tracker-batch (the tracker's latest, with the batch level). Default:"
              + " ${DEFAULT-VALUE}.")
  String layout;

  @Option(
      names = "--batches",
      defaultValue = "0",
      paramLabel = "N",
      description = "Batches per epoch (BATCH rows), for layouts with the batch level.")
  int batches;

  @Option(
      names = "--batch-metrics",
      paramLabel = "N",
      description = "Metrics per batch, linked through BATCH_METRIC (default: 1 with --batches).")
  Integer batchMetrics;

  @Option(
      names = "--final-epoch-metrics",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Metrics per run linked to epoch N, one past the last epoch (which never exists), as the"
              + " tracker links a run's final test metrics.")
  int finalEpochMetrics;

  @Option(names = "--append", description = "Add to a database that already has experiments.")
  boolean append;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() {
    GenerateOptions options =
        new GenerateOptions(
            experiments,
            trials,
            runs,
            epochs,
            metrics,
            classes,
            artifacts,
            seed,
            legacyMetrics,
            orphans,
            badJson,
            GenerateOptions.Layout.of(layout),
            batches,
            batchMetrics != null ? batchMetrics : batches > 0 ? 1 : 0,
            finalEpochMetrics);
    ConnectionConfig config = connection.toConfig();
    GenerateResult result;
    try (ProgressDisplay progress = Output.progress("generate", "rows", !json)) {
      result = Operations.generate(config, options, append, progress);
    }
    print(result);
    return ExitCodes.OK;
  }

  private void print(GenerateResult r) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("database", r.database());
      m.put("experiment_ids", r.experimentIds());
      m.put("rows_per_table", new TreeMap<>(r.rowsPerTable()));
      m.put("total_rows", r.totalRows());
      m.put("planted_orphans", new TreeMap<>(r.orphansPerTable()));
      m.put("planted_legacy_metrics", new TreeMap<>(r.legacyPerKind()));
      m.put("planted_bad_json", new TreeMap<>(r.badJsonPerKind()));
      m.put("seed", seed);
      m.put("elapsed_ms", r.elapsed().toMillis());
      m.put("rows_per_second", Math.round(r.rowsPerSecond()));
      Output.json(out, m);
      return;
    }
    out.println("Generated into " + r.database() + " (seed " + seed + "):");
    List<List<String>> rows = new ArrayList<>();
    for (String t : Operations.modelTables()) {
      if (!r.rowsPerTable().containsKey(t)) {
        continue;
      }
      long planted = r.orphansPerTable().getOrDefault(t, 0L);
      rows.add(
          List.of(
              t,
              Output.count(r.rowsPerTable().getOrDefault(t, 0L)),
              planted == 0 ? "" : Output.count(planted)));
    }
    rows.add(List.of("total", Output.count(r.totalRows()), ""));
    Output.table(out, List.of("table", "rows", "planted orphans"), rows);
    if (!r.legacyPerKind().isEmpty()) {
      out.println("Planted legacy metrics: " + new TreeMap<>(r.legacyPerKind()));
    }
    if (!r.badJsonPerKind().isEmpty()) {
      out.println("Planted bad per-label JSON: " + new TreeMap<>(r.badJsonPerKind()));
    }
    out.printf(
        "Experiments %s; %d ms, %,d rows/s%n",
        r.experimentIds(), r.elapsed().toMillis(), Math.round(r.rowsPerSecond()));
    out.flush();
  }

  /** The layouts as they are typed, for completion. */
  static final class Layouts extends java.util.ArrayList<String> {
    Layouts() {
      super(java.util.List.of("expmgr", "tracker", "tracker-batch"));
    }
  }
}
