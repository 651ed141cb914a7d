package io.expmgr.migrate;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * How to run {@code transform-metrics} or {@code migrate-experiment}.
 *
 * @param batchSize items per batch (one transaction each), or 0 for the strategy's default
 * @param rules the transformations to apply; {@link TransformationRules#NONE} for none
 * @param dryRun read and transform, report what would change, write nothing
 * @param safetySnapshot take a snapshot of the target before a new run's first batch
 * @param snapshotDir where that snapshot goes, or null for the default folder
 * @param force start a new run even though the same run already completed
 * @param restart abandon an interrupted run of the same command and start afresh
 * @param stopRequested polled between batches: true ends the run after the current batch, resumable
 * @param progress told after each committed batch
 */
public record MigrationOptions(
    MigrationStrategy strategy,
    int batchSize,
    TransformationRules rules,
    boolean dryRun,
    boolean safetySnapshot,
    Path snapshotDir,
    boolean force,
    boolean restart,
    BooleanSupplier stopRequested,
    MigrationProgress.Listener progress) {

  public MigrationOptions {
    if (strategy == null) {
      strategy = MigrationStrategy.BALANCED;
    }
    if (batchSize < 0) {
      throw new IllegalArgumentException("the batch size must be positive, not " + batchSize);
    }
    if (rules == null) {
      rules = TransformationRules.NONE;
    }
    if (stopRequested == null) {
      stopRequested = () -> false;
    }
    if (progress == null) {
      progress = MigrationProgress.Listener.NONE;
    }
  }

  /** The defaults: balanced, no rules, a safety snapshot. */
  public static MigrationOptions defaults() {
    return new MigrationOptions(null, 0, null, false, true, null, false, false, null, null);
  }

  public int effectiveBatchSize() {
    return batchSize > 0 ? batchSize : strategy.defaultBatchSize();
  }

  public MigrationOptions withStrategy(MigrationStrategy s) {
    return new MigrationOptions(
        s,
        batchSize,
        rules,
        dryRun,
        safetySnapshot,
        snapshotDir,
        force,
        restart,
        stopRequested,
        progress);
  }

  public MigrationOptions withBatchSize(int n) {
    return new MigrationOptions(
        strategy,
        n,
        rules,
        dryRun,
        safetySnapshot,
        snapshotDir,
        force,
        restart,
        stopRequested,
        progress);
  }

  public MigrationOptions withRules(TransformationRules r) {
    return new MigrationOptions(
        strategy,
        batchSize,
        r,
        dryRun,
        safetySnapshot,
        snapshotDir,
        force,
        restart,
        stopRequested,
        progress);
  }

  public MigrationOptions withDryRun(boolean b) {
    return new MigrationOptions(
        strategy,
        batchSize,
        rules,
        b,
        safetySnapshot,
        snapshotDir,
        force,
        restart,
        stopRequested,
        progress);
  }

  public MigrationOptions withSafetySnapshot(boolean b, Path dir) {
    return new MigrationOptions(
        strategy, batchSize, rules, dryRun, b, dir, force, restart, stopRequested, progress);
  }

  public MigrationOptions withForce(boolean b) {
    return new MigrationOptions(
        strategy,
        batchSize,
        rules,
        dryRun,
        safetySnapshot,
        snapshotDir,
        b,
        restart,
        stopRequested,
        progress);
  }

  public MigrationOptions withRestart(boolean b) {
    return new MigrationOptions(
        strategy,
        batchSize,
        rules,
        dryRun,
        safetySnapshot,
        snapshotDir,
        force,
        b,
        stopRequested,
        progress);
  }

  public MigrationOptions withStopRequested(BooleanSupplier s) {
    return new MigrationOptions(
        strategy,
        batchSize,
        rules,
        dryRun,
        safetySnapshot,
        snapshotDir,
        force,
        restart,
        s,
        progress);
  }

  public MigrationOptions withProgress(MigrationProgress.Listener p) {
    return new MigrationOptions(
        strategy,
        batchSize,
        rules,
        dryRun,
        safetySnapshot,
        snapshotDir,
        force,
        restart,
        stopRequested,
        p);
  }
}
