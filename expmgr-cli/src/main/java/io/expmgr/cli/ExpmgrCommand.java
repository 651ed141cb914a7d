package io.expmgr.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top command: lists the subcommands; does nothing by itself. */
@Command(
    name = "expmgr",
    mixinStandardHelpOptions = true,
    versionProvider = ExpmgrCommand.Version.class,
    description =
        "Validates, snapshots and restores, exports and imports, migrates and transforms, and"
            + " upgrades the schema of experiment-tracking databases on SQLite, MySQL/MariaDB and"
            + " PostgreSQL.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      NestedHelp.class,
      DemoCommand.class,
      GenerateCommand.class,
      ValidateCommand.class,
      CheckHierarchyCommand.class,
      CleanupOrphansCommand.class,
      CreateSnapshotCommand.class,
      ListSnapshotsCommand.class,
      SnapshotCommands.Verify.class,
      SnapshotCommands.Restore.class,
      SnapshotCommands.Delete.class,
      SnapshotCommands.Prune.class,
      ExportExperimentCommand.class,
      ImportExperimentCommand.class,
      MigrateExperimentCommand.class,
      TransformMetricsCommand.class,
      CreateTransformationTemplateCommand.class,
      MigrationRunCommands.ListMigrations.class,
      MigrationRunCommands.RollbackTransform.class,
      SchemaCommand.class,
      CompletionCommand.class,
    })
public final class ExpmgrCommand implements Runnable {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Show progress details and, on failure, the stack trace.")
  boolean verbose;

  @Option(
      names = {"-q", "--quiet"},
      scope = ScopeType.INHERIT,
      description =
          "Print nothing but errors, questions and requested data (--json, a document to"
              + " standard output); no progress. The exit code tells the outcome.")
  boolean quiet;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      scope = ScopeType.INHERIT,
      description =
          "How long steps show progress, on standard error: auto (a bar when standard error is a"
              + " terminal, else nothing), bar, log (a line every few seconds, for cron and CI"
              + " logs) or none.")
  ProgressDisplay.Mode progress = ProgressDisplay.Mode.auto;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version of this build, from the jar manifest ("dev" when run from classes). */
  public static String version() {
    String v = ExpmgrCommand.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Prints the version for {@code --version}. */
  public static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"expmgr " + version(), "Java " + System.getProperty("java.version")};
    }
  }
}
