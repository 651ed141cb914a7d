package io.expmgr.cli;

import io.expmgr.manager.ImportOperation;
import io.expmgr.transfer.ImportOptions;
import io.expmgr.transfer.ImportResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr import-experiment}. */
@Command(
    name = "import-experiment",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Imports an exported experiment as a new experiment, all or nothing: one transaction,",
      "committed only when the counts and the content checksum match the document.",
      "Creates the database and its schema when missing. Refuses an export already imported."
    })
final class ImportExperimentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "FILE",
      description = "The export document; '-' for standard input.")
  String input;

  @Option(
      names = "--preserve-ids",
      description = "Keep the document's ids; fails, importing nothing, if one is taken.")
  boolean preserveIds;

  @Option(
      names = "--allow-duplicate",
      description = "Import even if this export was imported here before.")
  boolean allowDuplicate;

  @Mixin SafetySnapshotOptions snapshotOptions;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  @Option(
      names = "--dry-run",
      description =
          "Do the whole import and its checks in one transaction, then roll it back: says what"
              + " would be imported; changes nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    boolean fromStdin = input.equals("-");
    ImportOperation.Outcome done;
    try (ProgressDisplay progress = Output.progress("import", "rows", !json)) {
      done =
          ImportOperation.run(
              connection.toConfig(),
              fromStdin ? null : Path.of(input),
              fromStdin ? System.in : null,
              "<stdin>",
              new ImportOptions(preserveIds, allowDuplicate, dryRun),
              snapshotOptions.safety(),
              safety -> {
                if (!json) {
                  progress.clearLine();
                  out.println("Safety snapshot " + safety.id() + " at " + safety.path());
                  out.flush();
                }
              },
              progress);
    }
    ImportResult r = done.result();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("experiment_id", r.experimentId());
      m.put("database", done.database());
      m.put("source_identity", r.sourceIdentity());
      m.put("source_experiment_id", r.sourceExperimentId());
      m.put("counts", r.counts());
      m.put("total_rows", r.totalRows());
      m.put("content_sha256", r.contentSha256());
      m.put("duration_ms", r.elapsed().toMillis());
      m.put("dry_run", dryRun);
      Output.json(out, m);
    } else {
      out.printf(
          (dryRun ? "Dry run (nothing was changed): would import" : "Imported")
              + " experiment %d of %s as experiment %d of %s: %s rows (%s trials, %s runs,"
              + " %s epochs, %s metrics, %s artifacts) in %.1f s%n",
          r.sourceExperimentId(),
          r.sourceIdentity(),
          r.experimentId(),
          done.database(),
          Output.count(r.totalRows()),
          Output.count(r.counts().get("trials")),
          Output.count(r.counts().get("trial_runs")),
          Output.count(r.counts().get("epochs")),
          Output.count(r.counts().get("metrics")),
          Output.count(r.counts().get("artifacts")),
          r.elapsed().toMillis() / 1000.0);
      Output.carried(out, r.counts());
      out.flush();
    }
    return ExitCodes.OK;
  }
}
