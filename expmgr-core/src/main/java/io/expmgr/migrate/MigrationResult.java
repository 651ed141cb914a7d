package io.expmgr.migrate;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a run did (the FAQ's result and {@code MigrationMonitor} figures).
 *
 * @param runId the run's id in the target's ledger (0 for a dry run)
 * @param outcome how it ended
 * @param newExperimentId the experiment a migration wrote into, or null
 * @param resumed whether this call continued an interrupted run
 * @param processed items done, over every attempt of the run
 * @param changed metrics whose values changed
 * @param failed items that could not be transformed
 * @param failures the first failures: item id and reason
 * @param rows rows written per table (migrations), or metrics per outcome (dry runs)
 * @param batchMillis the time of each batch of this attempt
 * @param peakHeapBytes the most heap this process had in use
 * @param snapshotId the safety snapshot taken before the run, or null
 */
public record MigrationResult(
    long runId,
    Outcome outcome,
    Long newExperimentId,
    boolean resumed,
    long processed,
    long total,
    long changed,
    long failed,
    List<Failure> failures,
    Map<String, Long> rows,
    long batches,
    List<Long> batchMillis,
    Duration elapsed,
    long peakHeapBytes,
    String snapshotId,
    String message) {

  /** How a run ended. */
  public enum Outcome {
    COMPLETED,
    /** Stopped between batches on request; the same command resumes it. */
    INTERRUPTED,
    /** {@code rollback_on_error} undid it after a failure. */
    ROLLED_BACK,
    DRY_RUN
  }

  /** An item that could not be transformed. */
  public record Failure(long itemId, String reason) {}

  /** Items per second over this attempt. */
  public double itemsPerSecond(long itemsThisAttempt) {
    double s = elapsed.toNanos() / 1e9;
    return s <= 0 ? 0 : itemsThisAttempt / s;
  }
}
