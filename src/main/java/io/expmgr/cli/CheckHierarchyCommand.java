package io.expmgr.cli;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr check-hierarchy}: the hierarchy checks, for one experiment or all. */
@Command(
    name = "check-hierarchy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Checks experiment -> trial -> run -> epochs/results consistency: experiments without",
      "trials, trials without runs, runs without epochs or results (warnings), duplicate",
      "epoch indexes (failure), start times after update times (warnings)."
    })
final class CheckHierarchyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-e", "--experiment-id"},
      paramLabel = "ID",
      description = "Only this experiment (default: all).")
  Long experimentId;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "REPORT.json",
      description = "Write the JSON report here.")
  Path output;

  @Option(names = "--json", description = "Print the JSON report instead of the summary.")
  boolean json;

  @Option(
      names = "--sample-size",
      defaultValue = "10",
      paramLabel = "N",
      description = "Offending rows kept (default: ${DEFAULT-VALUE}).")
  int sampleSize;

  @Override
  public Integer call() {
    OptionalLong scope =
        experimentId == null ? OptionalLong.empty() : OptionalLong.of(experimentId);
    return ValidateCommand.run(spec, connection, output, json, sampleSize, scope, true);
  }
}
