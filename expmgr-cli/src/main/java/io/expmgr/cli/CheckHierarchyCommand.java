package io.expmgr.cli;

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

  @Mixin ReportOptions report;

  @Option(
      names = {"-e", "--experiment-id"},
      paramLabel = "ID",
      description = "Only this experiment (default: all).")
  Long experimentId;

  @Override
  public Integer call() {
    OptionalLong scope =
        experimentId == null ? OptionalLong.empty() : OptionalLong.of(experimentId);
    return ValidateCommand.run(spec, connection, report, scope, true);
  }
}
