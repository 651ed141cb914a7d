package io.expmgr.migrate;

import java.time.LocalDateTime;
import java.util.Map;

/**
 * One run of {@code transform-metrics} or {@code migrate-experiment} as the target database records
 * it: what it was asked to do, how far it got and how it ended.
 *
 * @param signature what makes two commands "the same run": kind, experiments, source and target
 * @param rulesSha256 the digest of the rules the run applies (empty when it has none)
 * @param params the run's parameters (strategy, batch size, experiments, source, id offsets)
 * @param total the number of items the run had to process when it started
 * @param newExperimentId the experiment a migration writes into, or null
 * @param snapshotId the safety snapshot taken before the run's first batch, or null
 */
public record MigrationRun(
    long runId,
    String kind,
    State state,
    String signature,
    String rulesSha256,
    Map<String, Object> params,
    String checkpoint,
    long total,
    long processed,
    long changed,
    long failed,
    long batches,
    Long newExperimentId,
    String snapshotId,
    long pid,
    String host,
    LocalDateTime startedAt,
    LocalDateTime updatedAt,
    LocalDateTime finishedAt,
    String message) {

  /** The states of a run. */
  public enum State {
    /** A process is working on it (or was, until it was killed: see {@link #INTERRUPTED}). */
    RUNNING("running"),
    /** Stopped between batches (Ctrl-C, a crash, an error); the same command resumes it. */
    INTERRUPTED("interrupted"),
    COMPLETED("completed"),
    /** Undone: by {@code rollback_on_error} or {@code rollback-transform}. */
    ROLLED_BACK("rolled back"),
    /** Its rollback was interrupted; {@code rollback-transform} finishes it. */
    ROLLING_BACK("rolling back"),
    /** Given up for a fresh start with {@code --restart}; what it wrote stays. */
    ABANDONED("abandoned");

    private final String label;

    State(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    static State of(String label) {
      for (State s : values()) {
        if (s.label.equals(label)) {
          return s;
        }
      }
      throw new IllegalStateException("unknown run state '" + label + "'");
    }
  }

  /** Whether the same command would resume this run. */
  public boolean resumable() {
    return state == State.RUNNING || state == State.INTERRUPTED;
  }
}
