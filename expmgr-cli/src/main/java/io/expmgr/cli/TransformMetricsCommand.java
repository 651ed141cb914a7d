package io.expmgr.cli;

import io.expmgr.manager.Operations;
import io.expmgr.migrate.MigrationOptions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr transform-metrics}. */
@Command(
    name = "transform-metrics",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Rewrites metrics in place by rules, in batches that each commit with their checkpoint.",
      "Ctrl-C stops after the current batch; the same command resumes. A run that completed",
      "is not repeated without --force. Takes a safety snapshot first unless --no-snapshot."
    })
final class TransformMetricsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-e", "--experiment-id"},
      split = ",",
      paramLabel = "ID",
      description =
          "Only the metrics of these experiments: repeat it or give a list, 1,2,3 (default: all"
              + " metrics).")
  List<Long> experimentIds;

  /** The earlier spelling (the FAQ's), kept so that its commands still run. */
  @Option(names = "--experiment-ids", split = ",", paramLabel = "ID", hidden = true)
  void legacyIds(List<Long> ids) {
    if (experimentIds == null) {
      experimentIds = new java.util.ArrayList<>();
    }
    experimentIds.addAll(ids);
  }

  @Mixin MigrationRunOptions run;

  @Mixin SafetySnapshotOptions snapshotOptions;

  @Override
  public Integer call() {
    if (run.transformationFile == null) {
      throw new io.expmgr.InvalidInputException(
          "transform-metrics needs --transformation-file FILE"
              + " (create-transformation-template writes one to start from)");
    }
    MigrationOptions options = run.toOptions(snapshotOptions);
    List<Long> ids = experimentIds == null ? List.of() : experimentIds;
    return MigrationRunner.run(
        spec.commandLine().getOut(),
        "transform-metrics",
        "metrics",
        run,
        options,
        connection.toConfig(),
        o -> Operations.transformMetrics(connection.toConfig(), ids, o));
  }
}
