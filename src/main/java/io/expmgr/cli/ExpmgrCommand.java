package io.expmgr.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top command: lists the subcommands; does nothing by itself. */
@Command(
    name = "expmgr",
    mixinStandardHelpOptions = true,
    versionProvider = ExpmgrCommand.Version.class,
    description = "Keeps an ML experiment-tracking database (SQLite or MySQL) healthy.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      HelpCommand.class,
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
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 validation failed or items not transformed, 2 usage, 3 connection,",
      "4 not found, 5 invalid input, 6 schema, 7 snapshot, 8 file system, 10 cancelled,",
      "11 conflict (already done, or another run is writing), 70 internal error,",
      "130 interrupted (Ctrl-C; a migration run resumes with the same command).",
      "Logs: $EXPMGR_HOME/logs (default ~/.experiment_manager/logs)."
    })
public final class ExpmgrCommand implements Runnable {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Show progress details and, on failure, the stack trace.")
  boolean verbose;

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
