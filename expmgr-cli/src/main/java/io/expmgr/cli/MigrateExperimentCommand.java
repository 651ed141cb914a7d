package io.expmgr.cli;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.DatabaseUrl;
import io.expmgr.manager.Operations;
import io.expmgr.migrate.MigrationOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr migrate-experiment}. */
@Command(
    name = "migrate-experiment",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Copies an experiment's whole hierarchy (trials, runs, results, epochs, metrics, artifacts",
      "and every link) into a new experiment, or appends it to --target-experiment, transforming",
      "metrics by rules on the way. --to copies into another database (SQLite, MySQL or",
      "PostgreSQL).",
      "Batches commit with their checkpoint: Ctrl-C stops after the current one, and the same",
      "command resumes. The source is never modified."
    })
final class MigrateExperimentCommand implements Callable<Integer> {
  /** The environment variable with the password of a {@code --to} server target. */
  static final String TO_PASSWORD_ENV = "EXPMGR_TO_PASSWORD";

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-e", "--experiment-id"},
      paramLabel = "ID",
      description = "The experiment to copy.")
  Long sourceExperiment;

  /** The earlier spelling, kept so that scripts still run. */
  @Option(
      names = {"-s", "--source-experiment"},
      paramLabel = "ID",
      hidden = true)
  void legacySource(long id) {
    sourceExperiment = id;
  }

  @Option(
      names = {"-t", "--target-experiment"},
      paramLabel = "ID",
      description = "Append to this existing experiment instead of creating a new one.")
  Long targetExperiment;

  @Option(
      names = "--to",
      paramLabel = "URL",
      description =
          "Copy into another database: sqlite:/path/file.db (created when missing),"
              + " mysql://user[:password]@host[:port]/db[?ssl-mode=MODE] or"
              + " postgresql://user[:password]@host[:port]/db[?ssl-mode=MODE] (password also from $"
              + TO_PASSWORD_ENV
              + "; MODE as --ssl-mode).")
  String to;

  @Mixin MigrationRunOptions run;

  @Mixin SafetySnapshotOptions snapshotOptions;

  @Override
  public Integer call() {
    if (sourceExperiment == null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "Missing required option: '--experiment-id=ID' (the experiment to copy)");
    }
    MigrationOptions options = run.toOptions(snapshotOptions);
    ConnectionConfig sourceConfig = connection.toConfig();
    ConnectionConfig targetConfig =
        to == null ? null : DatabaseUrl.parse("--to", to, Environment.get(TO_PASSWORD_ENV), true);
    return MigrationRunner.run(
        spec.commandLine().getOut(),
        "migrate-experiment",
        "rows",
        run,
        options,
        targetConfig == null ? sourceConfig : targetConfig,
        o ->
            Operations.migrateExperiment(
                sourceConfig, targetConfig, sourceExperiment, targetExperiment, o));
  }
}
