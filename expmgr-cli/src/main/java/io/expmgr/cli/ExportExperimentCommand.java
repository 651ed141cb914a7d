package io.expmgr.cli;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.manager.Operations;
import io.expmgr.transfer.ExportOptions;
import io.expmgr.transfer.ExportResult;
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

/** {@code expmgr export-experiment}. */
@Command(
    name = "export-experiment",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes one experiment as a JSON document (format in docs/export-format.md), streaming,",
      "from one consistent read. The file appears complete or not at all."
    })
final class ExportExperimentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-e", "--experiment-id"},
      required = true,
      paramLabel = "ID",
      description = "The experiment to export.")
  long experimentId;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Where to write the document; '-' for standard output.")
  String output;

  @Option(names = "--overwrite", description = "Replace the --output file if it exists.")
  boolean overwrite;

  @Option(
      names = "--include-metrics",
      description = "Include every metric and its per-label values.")
  boolean includeMetrics;

  @Option(names = "--include-artifacts", description = "Include every artifact and its links.")
  boolean includeArtifacts;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  @Override
  public Integer call() {
    if (experimentId < 1) {
      throw new io.expmgr.InvalidInputException(
          "--experiment-id must be a positive id, got " + experimentId);
    }
    if (!output.equals("-")) {
      Output.refuseExisting(Path.of(output), overwrite, "--output");
    }
    ConnectionConfig config = connection.toConfig();
    ExportOptions options = new ExportOptions(includeMetrics, includeArtifacts);
    boolean toStdout = output.equals("-");
    ExportResult r;
    try (ProgressDisplay progress = Output.progress("export", "rows", !json)) {
      r =
          toStdout
              ? Operations.exportTo(config, experimentId, System.out, options, progress)
              : Operations.exportToFile(config, experimentId, Path.of(output), options, progress);
    }
    // The document owns standard output when it goes there; the summary goes to stderr.
    PrintWriter out = toStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("experiment_id", r.experimentId());
      m.put("file", r.file() == null ? "-" : r.file().toString());
      m.put("bytes", r.bytes());
      m.put("counts", r.counts());
      m.put("total_rows", r.totalRows());
      m.put("content_sha256", r.contentSha256());
      m.put("skipped_dangling_links", r.skippedDanglingLinks());
      m.put("duration_ms", r.elapsed().toMillis());
      Output.json(out, m);
    } else if (!toStdout) {
      out.printf(
          "Exported experiment %d of %s to %s: %s rows (%s trials, %s runs, %s epochs, %s metrics,"
              + " %s artifacts), %s bytes in %.1f s%n",
          r.experimentId(),
          config.identity(),
          r.file(),
          Output.count(r.totalRows()),
          Output.count(r.counts().get("trials")),
          Output.count(r.counts().get("trial_runs")),
          Output.count(r.counts().get("epochs")),
          Output.count(r.counts().get("metrics")),
          Output.count(r.counts().get("artifacts")),
          Output.count(r.bytes()),
          r.elapsed().toMillis() / 1000.0);
      Output.carried(out, r.counts());
      if (r.skippedDanglingLinks() > 0) {
        out.printf(
            "Left out %s links to metrics or artifacts that are missing in the source"
                + " (see 'expmgr validate').%n",
            Output.count(r.skippedDanglingLinks()));
      }
      out.flush();
    }
    return ExitCodes.OK;
  }
}
