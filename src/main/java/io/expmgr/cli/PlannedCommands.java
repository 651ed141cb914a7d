package io.expmgr.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Commands of the product that this version does not implement yet. Each is listed in {@code
 * --help} so the command set is visible, and each says plainly that it did nothing, exiting with
 * {@link ExitCodes#NOT_IMPLEMENTED}.
 */
final class PlannedCommands {
  private PlannedCommands() {}

  /** Shared body: accept any arguments, refuse to run. */
  abstract static class Planned implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Unmatched List<String> ignored;

    @Override
    public Integer call() {
      throw new NotImplementedException(spec.name());
    }
  }

  @Command(
      name = "migrate-experiment",
      description =
          "Copies an experiment's hierarchy, transforming metrics, in resumable batches. (not implemented yet)")
  static final class MigrateExperiment extends Planned {}

  @Command(
      name = "transform-metrics",
      description =
          "Rewrites metrics in place by rules, in resumable batches. (not implemented yet)")
  static final class TransformMetrics extends Planned {}

  @Command(
      name = "list-migrations",
      description = "Lists migration runs and their state. (not implemented yet)")
  static final class ListMigrations extends Planned {}

  @Command(
      name = "rollback-transform",
      description = "Puts back the originals of a transform run. (not implemented yet)")
  static final class RollbackTransform extends Planned {}
}
