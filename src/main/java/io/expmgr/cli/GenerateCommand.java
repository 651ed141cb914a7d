package io.expmgr.cli;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateResult;
import io.expmgr.schema.SchemaMigrator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
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
            badJson);
    ConnectionConfig config = connection.toConfig();
    GenerateResult result;
    try (Output.Progress progress = Output.progress("generate", !json)) {
      result = run(config, options, append, progress);
    }
    print(result);
    return ExitCodes.OK;
  }

  /** Generates into the database, building a new SQLite file under a temporary name. */
  static GenerateResult run(
      ConnectionConfig config,
      GenerateOptions options,
      boolean append,
      io.expmgr.ProgressListener progress) {
    if (config.engine() == Engine.SQLITE && !Files.exists(config.sqlitePath())) {
      return intoNewSqliteFile(config, options, progress);
    }
    Database db = Database.open(config, OpenMode.CREATE);
    boolean fresh = db.existingTables().isEmpty();
    SchemaMigrator.migrateToCurrent(db);
    SchemaCheck.require(db, Schema.v1());
    if (!append) {
      DataGenerator.requireEmpty(db);
    }
    return new DataGenerator(db).generate(options, fresh, progress);
  }

  private static GenerateResult intoNewSqliteFile(
      ConnectionConfig config, GenerateOptions options, io.expmgr.ProgressListener progress) {
    Path target = config.sqlitePath();
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + ".generating-" + ProcessHandle.current().pid());
    // Ctrl-C or a kill ends the JVM without running finally blocks: the hook removes the
    // half-built file so nothing but a complete database ever appears under the target name.
    Thread cleanup = new Thread(() -> deleteQuietly(tmp), "generate-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      Files.deleteIfExists(tmp);
      Database db = Database.open(ConnectionConfig.sqlite(tmp), OpenMode.CREATE);
      SchemaMigrator.migrateToCurrent(db);
      GenerateResult r = new DataGenerator(db).generate(options, true, progress);
      db.withConnection(
          c -> {
            finishSqlite(c);
            return null;
          });
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return new GenerateResult(
          config.identity(),
          r.experimentIds(),
          r.rowsPerTable(),
          r.orphansPerTable(),
          r.legacyPerKind(),
          r.badJsonPerKind(),
          r.elapsed());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build " + target + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run
      }
    }
  }

  private static void deleteQuietly(Path file) {
    for (String suffix : new String[] {"", "-journal", "-wal", "-shm"}) {
      try {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
      } catch (IOException ignored) {
        // best effort: a leftover temporary file is dot-named and never mistaken for data
      }
    }
  }

  /** Updates planner statistics and switches the finished file to WAL for later concurrent use. */
  private static void finishSqlite(Connection c) throws java.sql.SQLException {
    Dialect.execute(c, "ANALYZE", "PRAGMA journal_mode=WAL");
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
    for (String t : Schema.v1().tableNames()) {
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
}
