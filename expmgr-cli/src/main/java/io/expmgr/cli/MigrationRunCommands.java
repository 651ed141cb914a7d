package io.expmgr.cli;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.manager.Operations;
import io.expmgr.migrate.MigrationRun;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code list-migrations} and {@code rollback-transform}. */
final class MigrationRunCommands {
  private MigrationRunCommands() {}

  @Command(
      name = "list-migrations",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Lists the migration runs the database recorded, newest first: state (running,",
        "interrupted, completed, rolled back, abandoned), progress and parameters."
      })
  static final class ListMigrations implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ConnectionOptions connection;

    @Option(names = "--json", description = "Print the runs as JSON.")
    boolean json;

    @Option(
        names = "--html",
        paramLabel = "FILE.html",
        description =
            "Also write the runs as one self-contained HTML page, with the newest runs' items,"
                + " rate and batch time over time (resumes and stops marked).")
    java.nio.file.Path html;

    @Option(names = "--overwrite", description = "Replace the --html file if it exists.")
    boolean overwrite;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Output.refuseExisting(html, overwrite, "--html");
      ConnectionConfig config = connection.toConfig();
      List<MigrationRun> runs = Operations.listMigrations(config);
      if (html != null) {
        io.expmgr.cli.html.HtmlReports.write(
            html,
            "runs.jte",
            io.expmgr.cli.html.RunsPage.of(
                config.identity(),
                runs,
                id ->
                    Operations.migrationHistory(
                        config, id, io.expmgr.cli.html.MigrationPage.MAX_POINTS),
                id ->
                    Operations.migrationFailures(
                        config, id, io.expmgr.cli.html.HtmlReports.SAMPLE_ROWS)));
        if (!json) {
          out.println("HTML report written to " + html.toAbsolutePath());
          out.flush();
        }
      }
      if (json) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (MigrationRun r : runs) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("run_id", r.runId());
          m.put("kind", r.kind());
          m.put("state", r.state().label());
          m.put("signature", r.signature());
          m.put("processed", r.processed());
          m.put("total", r.total());
          m.put("changed", r.changed());
          m.put("failed", r.failed());
          m.put("batches", r.batches());
          m.put("new_experiment_id", r.newExperimentId());
          m.put("snapshot_id", r.snapshotId());
          m.put("rules_sha256", r.rulesSha256());
          m.put("params", r.params());
          m.put("pid", r.pid());
          m.put("host", r.host());
          m.put("started_at", String.valueOf(r.startedAt()));
          m.put("updated_at", String.valueOf(r.updatedAt()));
          m.put("finished_at", r.finishedAt() == null ? null : r.finishedAt().toString());
          m.put("message", r.message());
          list.add(m);
        }
        Output.json(out, list);
        return ExitCodes.OK;
      }
      if (runs.isEmpty()) {
        out.println("No migration runs recorded in " + config.identity() + ".");
        out.flush();
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (MigrationRun r : runs) {
        rows.add(
            List.of(
                String.valueOf(r.runId()),
                r.kind(),
                r.state().label(),
                Output.count(r.processed())
                    + "/"
                    + (r.total() < 0 ? "?" : Output.count(r.total()))
                    + (r.total() > 0 ? " (" + (r.processed() * 100 / r.total()) + "%)" : ""),
                Output.count(r.changed()),
                Output.count(r.failed()),
                String.valueOf(r.startedAt().withNano(0)).replace('T', ' '),
                r.signature()
                    + " "
                    + r.params().getOrDefault("strategy", "")
                    + (r.newExperimentId() != null
                        ? " -> experiment " + r.newExperimentId()
                        : "")));
      }
      Output.table(
          out,
          List.of("RUN", "KIND", "STATE", "PROGRESS", "CHANGED", "FAILED", "STARTED", "WHAT"),
          rows);
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "rollback-transform",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Puts back the metrics a transform-metrics run changed, from the originals it kept",
        "(backup_original). Resumable. Takes a safety snapshot first unless --no-snapshot.",
        "Asks for confirmation (reads y from stdin) unless --yes."
      })
  static final class RollbackTransform implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ConnectionOptions connection;

    @Option(names = "--run-id", required = true, paramLabel = "ID", description = "The run.")
    long runId;

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--dry-run", description = "Say what would be put back; change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin SafetySnapshotOptions snapshotOptions;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Output.requireYesWithJson(yes, dryRun, json);
      ConnectionConfig config = connection.toConfig();
      MigrationRun run = Operations.transformRun(config, runId);
      if (dryRun) {
        return report(out, run, run.changed(), true);
      }
      if (!yes
          && !CleanupOrphansCommand.confirm(
              out,
              "Put back the "
                  + Output.count(run.changed())
                  + " metrics run "
                  + runId
                  + " changed in "
                  + config.identity()
                  + "? [y/N] ")) {
        out.println("Cancelled; nothing was changed.");
        out.flush();
        return ExitCodes.CANCELLED;
      }
      long restored;
      try (ProgressDisplay progress = Output.progress("rollback-transform", "", !json)) {
        restored = Operations.rollbackTransform(config, runId, snapshotOptions.safety(), progress);
      }
      return report(out, run, restored, false);
    }

    private int report(PrintWriter out, MigrationRun run, long metrics, boolean wouldBe) {
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("dry_run", wouldBe);
        m.put(wouldBe ? "would_restore" : "restored", metrics);
        Output.json(out, m);
      } else if (wouldBe) {
        out.printf(
            "Dry run: run %d (%s) changed %s metrics; rolling back puts them back. Nothing was"
                + " changed.%n",
            runId, run.state().label(), Output.count(metrics));
      } else {
        out.printf(
            "Run %d rolled back: %s metrics put back as they were.%n",
            runId, Output.count(metrics));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }
}
