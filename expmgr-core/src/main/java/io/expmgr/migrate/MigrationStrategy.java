package io.expmgr.migrate;

import java.util.Locale;

/**
 * How a migration run paces itself (the FAQ's {@code MigrationStrategy}).
 *
 * <ul>
 *   <li>{@link #CONSERVATIVE}: batches of 100, each batch's output read back and checked, and a
 *       pause after each batch as long as the batch took, so a live database keeps serving (a 50%
 *       duty cycle, shown in the log).
 *   <li>{@link #BALANCED} (default): batches of 1000, checks at the end.
 *   <li>{@link #AGGRESSIVE}: batches of 10000, checks at the end only.
 * </ul>
 */
public enum MigrationStrategy {
  CONSERVATIVE(100, true, 0.5),
  BALANCED(1_000, false, 1.0),
  AGGRESSIVE(10_000, false, 1.0);

  private final int batchSize;
  private final boolean checkEachBatch;
  private final double dutyCycle;

  MigrationStrategy(int batchSize, boolean checkEachBatch, double dutyCycle) {
    this.batchSize = batchSize;
    this.checkEachBatch = checkEachBatch;
    this.dutyCycle = dutyCycle;
  }

  /** The batch size when none is given. */
  public int defaultBatchSize() {
    return batchSize;
  }

  /** Whether each batch's output is read back and checked before its commit. */
  public boolean checksEachBatch() {
    return checkEachBatch;
  }

  /** The share of wall time spent working; the rest is pauses between batches. */
  public double dutyCycle() {
    return dutyCycle;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
