package io.expmgr.cli;

import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.api.Epoch;
import io.expmgr.api.Experiment;
import io.expmgr.api.Metric;
import io.expmgr.api.Trial;
import io.expmgr.api.TrialRun;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateResult;
import io.expmgr.manager.DataMigrationManager;
import io.expmgr.manager.ImportOperation;
import io.expmgr.manager.Operations;
import io.expmgr.manager.Safety;
import io.expmgr.migrate.MigrationOptions;
import io.expmgr.migrate.MigrationResult;
import io.expmgr.migrate.TransformationRules;
import io.expmgr.transfer.ExportResult;
import io.expmgr.transfer.ImportOptions;
import io.expmgr.transfer.ImportResult;
import io.expmgr.upgrade.SchemaStatus;
import io.expmgr.validate.CleanupResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code expmgr demo}: a short guided tour on a generated SQLite database. It ends with a database
 * a newcomer can open and the commands to try next.
 */
@Command(
    name = "demo",
    description = {
      "A guided tour on a generated SQLite database in a scratch folder.",
      "Leaves the database in place so you can look inside afterwards."
    },
    mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
  static final String DB_NAME = "experiments.db";

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = "expmgr-demo",
      description = "Scratch folder for the demo database (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Override
  public Integer call() throws java.io.IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path db = prepare(dir.toAbsolutePath().normalize());

    step(out, 1, "Generate a synthetic experiment database");
    GenerateOptions shape = new GenerateOptions(3, 2, 2, 5, 4, 3, 1, 7, 6, 8, 5);
    out.println(
        "  expmgr generate -d " + db + " --experiments 3 --trials 2 --runs 2 --epochs 5 \\");
    out.println("      --metrics 4 --seed 7 --legacy-metrics 6 --orphans 8 --bad-json 5");
    GenerateResult r =
        Operations.generate(ConnectionConfig.sqlite(db), shape, false, ProgressListener.NONE);
    List<List<String>> rows = new ArrayList<>();
    for (String t : Operations.modelTables()) {
      rows.add(List.of(t, Output.count(r.rowsPerTable().getOrDefault(t, 0L))));
    }
    Output.table(out, List.of("table", "rows"), rows);
    out.printf(
        "  %,d rows in %d ms. Planted for later: %d orphans, %d legacy metrics, %d bad per-label values.%n",
        r.totalRows(),
        r.elapsed().toMillis(),
        shape.orphans(),
        shape.legacyMetrics(),
        shape.badJson());

    try (DatabaseManager manager = DatabaseManager.sqlite(db)) {
      step(out, 2, "Walk the hierarchy: experiment -> trials -> runs -> epochs -> metrics");
      Experiment e = manager.listExperiments().get(0);
      out.println(
          "  Experiment " + e.id() + ": " + e.title() + "  (started " + e.startTime() + ")");
      for (Trial t : manager.getTrials(e.id())) {
        List<TrialRun> runs = manager.getTrialRuns(t.id());
        out.println("    Trial " + t.id() + " '" + t.name() + "': " + runs.size() + " runs");
        TrialRun run = runs.get(0);
        List<Epoch> epochs = manager.getEpochs(run.id());
        out.println(
            "      Run " + run.id() + " (" + run.status() + "): " + epochs.size() + " epochs");
        Epoch last = epochs.get(epochs.size() - 1);
        for (Metric m : manager.getEpochMetrics(run.id(), last.idx())) {
          out.printf(
              "        epoch %d %-9s total %.4f  per label %s%n",
              last.idx(), m.type(), m.totalVal(), m.perLabelVal());
        }
      }

      step(out, 3, "Record a new experiment through the Java API (DatabaseManager)");
      LocalDateTime now = LocalDateTime.now();
      long exp = manager.createExperiment("demo: hand-made", "created by expmgr demo");
      long trial = manager.createTrial(exp, "baseline");
      long run = manager.createTrialRun(trial, "COMPLETED");
      manager.createEpoch(run, 0, now);
      Map<String, Double> perLabel = new LinkedHashMap<>();
      perLabel.put("cat", 0.91);
      perLabel.put("dog", 0.87);
      long metric = manager.addEpochMetric(run, 0, "accuracy", 0.89, perLabel);
      out.println(
          "  db.createExperiment(...) -> "
              + exp
              + ", createTrial -> "
              + trial
              + ", createTrialRun -> "
              + run);
      out.println(
          "  db.addEpochMetric(run, 0, \"accuracy\", 0.89, {cat=0.91, dog=0.87}) -> metric "
              + metric);
      out.println("  read back: " + manager.getMetric(metric).orElseThrow().perLabelValues());

      step(out, 4, "Ask the database directly (a parameterized query, as custom checks do)");
      for (Map<String, Object> row :
          manager.query("SELECT type, count(*) AS n FROM METRIC GROUP BY type ORDER BY type")) {
        out.printf("  %-10s %s%n", row.get("type"), row.get("n"));
      }

      Path snapshots = db.getParent().resolve("snapshots");
      DataMigrationManager migrator = new DataMigrationManager(manager, snapshots);
      step(out, 5, "Validate: the planted problems are found");
      Path page = db.getParent().resolve("validation.html");
      out.println("  expmgr validate -d " + db + " --html " + page);
      io.expmgr.validate.ValidationReport found = migrator.validator().validateDataConsistency();
      ReportPrinter.print(out, found);
      io.expmgr.cli.html.HtmlReports.write(
          page,
          "validation.jte",
          io.expmgr.cli.html.ValidationPage.of(
              found, "validate", "-d " + ConnectionOptions.shellQuote(db.toString())));
      out.println("  the same as a page, with what to do about each finding: " + page);

      step(out, 6, "Clean up the orphans, after a safety snapshot");
      out.println("  expmgr cleanup-orphans -d " + db + " --snapshot-dir " + snapshots);
      CleanupResult cleaned = migrator.cleanupOrphans(false);
      out.printf(
          "  removed %d rows %s in %d rounds; safety snapshot %s%n",
          cleaned.totalDeleted(),
          cleaned.deleted(),
          cleaned.passes(),
          cleaned.safetySnapshot().id());
      out.println("  expmgr validate -d " + db + "   (again)");
      ReportPrinter.print(out, migrator.validator().validateDataConsistency());

      step(out, 7, "Transform metrics in resumable batches, then copy an experiment");
      Path rulesFile = db.getParent().resolve("rules.json");
      java.nio.file.Files.writeString(
          rulesFile,
          "{ \"metric_transformations\": [ { \"metric_type\": \"*\","
              + " \"transformation\": \"legacy_to_per_label\", \"rules\": {"
              + " \"split_by\": \"class_\","
              + " \"default_classes\": [\"class_0\", \"class_1\", \"class_2\"] } } ],"
              + " \"global_settings\": { \"backup_original\": true } }\n");
      out.println("  expmgr transform-metrics -d " + db + " --transformation-file " + rulesFile);
      MigrationResult transformed =
          migrator.transformMetrics(
              List.of(),
              MigrationOptions.defaults()
                  .withRules(TransformationRules.read(rulesFile))
                  .withSafetySnapshot(true, snapshots));
      out.printf(
          "  run %d: %s metrics in %d batch%s, %s rewritten as per-label objects (legacy arrays,"
              + " JSON held in strings), %s could not be (broken JSON, reported with their ids)%n",
          transformed.runId(),
          Output.count(transformed.processed()),
          transformed.batches(),
          transformed.batches() == 1 ? "" : "es",
          Output.count(transformed.changed()),
          Output.count(transformed.failed()));
      out.println(
          "  (Ctrl-C stops after a batch and the same command resumes;"
              + " rollback-transform --run-id "
              + transformed.runId()
              + " puts the originals back)");
      out.println("  expmgr migrate-experiment -d " + db + " -s 2");
      MigrationResult migrated =
          migrator.migrateExperiment(
              2, null, manager, MigrationOptions.defaults().withSafetySnapshot(false, null));
      out.printf(
          "  experiment 2 copied into experiment %d: %s rows, every table counted%n",
          migrated.newExperimentId(), Output.count(migrated.processed()));
      out.println("  expmgr list-migrations -d " + db + "   (both runs, with state and progress)");

      step(out, 8, "Export experiment 1 and import it into a second database");
      Path export = db.getParent().resolve("experiment_1.json");
      Path copy = db.getParent().resolve(COPY_NAME);
      out.println(
          "  expmgr export-experiment -d "
              + db
              + " -e 1 -o "
              + export
              + " --include-metrics --include-artifacts");
      ExportResult exported = migrator.exportExperiment(1, export, true, true);
      out.printf(
          "  %s rows, %s bytes, checksum %s...%n",
          Output.count(exported.totalRows()),
          Output.count(exported.bytes()),
          exported.contentSha256().substring(0, 12));
      out.println("  expmgr import-experiment -d " + copy + " -i " + export);
      ImportResult imported =
          ImportOperation.run(
                  ConnectionConfig.sqlite(copy),
                  export,
                  null,
                  null,
                  ImportOptions.defaults(),
                  Safety.none(),
                  null,
                  ProgressListener.NONE)
              .result();
      out.printf(
          "  experiment %d of %s, every count and the checksum verified before commit%n",
          imported.experimentId(), copy);
      out.println("  (a second import of the same file is refused: the copy remembers it)");

      step(out, 9, "Schema versions");
      out.println("  expmgr schema status -d " + db);
      SchemaStatus status = Operations.schemaStatus(ConnectionConfig.sqlite(db));
      out.printf("  at %s; an upgrade to %s would apply:%n", status.version(), status.latest());
      status
          .pending()
          .forEach((v, changes) -> changes.forEach(c -> out.println("    " + v + ": " + c)));
      out.println(
          "  expmgr schema upgrade -d " + db + "   (snapshot, validate, trial on a copy, apply)");
    }

    step(out, 10, "Your turn");
    out.println("  The database stays at " + db + ", its snapshots in " + snapshots(db));
    out.println("  sqlite3 " + db + " 'SELECT * FROM EXPERIMENT'");
    out.println("  ./expmgr list-snapshots -d " + db + " --snapshot-dir " + snapshots(db));
    out.println(
        "  ./expmgr restore-snapshot -d "
            + db
            + " --snapshot-dir "
            + snapshots(db)
            + " --snapshot-id <id>");
    out.println("  ./expmgr generate --help      build a bigger one (see bench/ for 1 GB)");
    out.println("  ./expmgr --help               every command");
    out.flush();
    return ExitCodes.OK;
  }

  private static final String COPY_NAME = "copy.db";

  private static Path snapshots(Path db) {
    return db.getParent().resolve("snapshots");
  }

  /** Creates the scratch folder, or clears the previous demo database in it. */
  private static Path prepare(Path folder) {
    try {
      Files.createDirectories(folder);
      Path db = folder.resolve(DB_NAME);
      for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
        Files.deleteIfExists(folder.resolve(DB_NAME + suffix));
        Files.deleteIfExists(folder.resolve(COPY_NAME + suffix));
      }
      Path snapshots = folder.resolve("snapshots");
      if (Files.isDirectory(snapshots)) {
        try (var walk = Files.walk(snapshots)) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      return db;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot prepare demo folder " + folder + ": " + e.getMessage(), e);
    }
  }

  private static void step(PrintWriter out, int n, String title) {
    out.println();
    out.println("== " + n + ". " + title);
  }
}
