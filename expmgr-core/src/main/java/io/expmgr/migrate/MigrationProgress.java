package io.expmgr.migrate;

import java.time.Duration;

/**
 * Where a run stands after a batch (the FAQ's progress callback argument).
 *
 * @param phase what is being processed: "metrics", or the table a migration copies
 * @param processed items done so far, including those of earlier attempts of a resumed run
 * @param total items the run has to do in all
 * @param failed items that could not be transformed so far
 * @param elapsed time since this attempt started
 * @param itemsPerSecond the rate of this attempt
 */
public record MigrationProgress(
    long runId,
    String phase,
    long processed,
    long total,
    long failed,
    long batches,
    Duration elapsed,
    double itemsPerSecond) {

  /** Receives progress after each committed batch. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = p -> {};

    void onBatch(MigrationProgress progress);

    /**
     * Where the run's steps before its batches (its safety snapshot) report, in their own units;
     * nowhere unless overridden.
     */
    default io.expmgr.ProgressListener steps() {
      return io.expmgr.ProgressListener.NONE;
    }
  }
}
