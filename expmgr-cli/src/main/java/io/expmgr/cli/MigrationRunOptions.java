package io.expmgr.cli;

import io.expmgr.migrate.MigrationOptions;
import io.expmgr.migrate.MigrationStrategy;
import io.expmgr.migrate.TransformationRules;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code transform-metrics} and {@code migrate-experiment} share. */
final class MigrationRunOptions {
  @Option(
      names = "--strategy",
      paramLabel = "S",
      defaultValue = "balanced",
      converter = StrategyConverter.class,
      completionCandidates = MigrationRunOptions.Strategies.class,
      description =
          "conservative (batches of 100, each checked, pauses between them),"
              + " balanced (1000; default) or aggressive (10000).")
  MigrationStrategy strategy;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      description = "Items per batch (one transaction each); overrides the strategy's.")
  Integer batchSize;

  @Option(
      names = "--transformation-file",
      paramLabel = "FILE",
      description = "Rules to apply to metrics (see create-transformation-template).")
  Path transformationFile;

  @Option(names = "--dry-run", description = "Report what would change; write nothing.")
  boolean dryRun;

  @Option(names = "--force", description = "Run again although the same run already completed.")
  boolean force;

  @Option(
      names = "--restart",
      description = "Abandon an interrupted run of the same command and start afresh.")
  boolean restart;

  @Option(
      names = {"--report", "-o", "--output"},
      paramLabel = "FILE",
      description =
          "Write the run's report (replaced atomically if it exists): FILE.html is a"
              + " self-contained page with items, rate and batch time over the run (resumes"
              + " marked), failures and, for a transform, values before and after; any other name"
              + " gets JSON: items, failures, per-batch times, rate, peak memory.")
  Path report;

  @Option(names = "--overwrite", description = "Replace the --report file if it exists.")
  boolean overwrite;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  static final class StrategyConverter
      implements picocli.CommandLine.ITypeConverter<MigrationStrategy> {
    @Override
    public MigrationStrategy convert(String value) {
      for (MigrationStrategy s : MigrationStrategy.values()) {
        if (s.label().equalsIgnoreCase(value)) {
          return s;
        }
      }
      throw new picocli.CommandLine.TypeConversionException(
          "'" + value + "' is not a strategy: conservative, balanced or aggressive");
    }
  }

  /** The options for the engine; reads and checks the rules file before anything else. */
  MigrationOptions toOptions(SafetySnapshotOptions snapshot) {
    if (batchSize != null && batchSize <= 0) {
      throw new io.expmgr.InvalidInputException(
          "--batch-size must be a positive number, not " + batchSize);
    }
    TransformationRules rules =
        transformationFile == null
            ? TransformationRules.NONE
            : TransformationRules.read(transformationFile);
    return MigrationOptions.defaults()
        .withStrategy(strategy)
        .withBatchSize(batchSize == null ? 0 : batchSize)
        .withRules(rules)
        .withDryRun(dryRun)
        .withSafetySnapshot(!snapshot.noSnapshot, snapshot.snapshotDir)
        .withForce(force)
        .withRestart(restart);
  }

  /** The strategies as they are typed, for completion. */
  static final class Strategies extends java.util.ArrayList<String> {
    Strategies() {
      super(java.util.List.of("conservative", "balanced", "aggressive"));
    }
  }
}
