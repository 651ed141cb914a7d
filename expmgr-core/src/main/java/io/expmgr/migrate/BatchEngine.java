package io.expmgr.migrate;

import io.expmgr.ConflictException;
import io.expmgr.DataAccessException;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.state.DatabaseLock;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch loop both migration commands share: one writer per target (a {@link DatabaseLock}), a
 * ledger row per run, batches that each commit their writes together with their checkpoint, resume
 * of an interrupted run of the same command, refusal of a completed one, a stop between batches on
 * request, the strategy's pauses, and the figures of the run.
 */
abstract class BatchEngine {
  private static final Logger log = LoggerFactory.getLogger(BatchEngine.class);
  static final int FAILURES_KEPT = 100;

  /** Called with the batch number after a batch's writes, before its commit (tests fail here). */
  static volatile java.util.function.LongConsumer faultHook = b -> {};

  /** Called with the batch number after a batch committed, outside any transaction (tests). */
  static volatile java.util.function.LongConsumer afterCommitHook = b -> {};

  protected final Database db;
  protected final Dialect d;
  protected final MigrationOptions o;
  protected final TransformationRules rules;
  protected final MetricTransformer transformer;

  protected long runId;
  protected long total;
  protected long processed;
  protected long changed;
  protected long failed;
  protected long batches;
  protected Long newExperimentId;
  protected final List<MigrationResult.Failure> failures = new ArrayList<>();
  protected final Map<String, Long> rows = new LinkedHashMap<>();
  private final List<Long> batchMillis = new ArrayList<>();
  private long batchStarted;
  private int attempt = 1;
  private String phase = "metrics";
  private boolean undone;
  private long commitNanos;

  BatchEngine(Database target, MigrationOptions options) {
    this.db = target;
    this.d = target.dialect();
    this.o = options;
    this.rules = options.rules();
    this.transformer = new MetricTransformer(rules);
  }

  /** "transform-metrics" or "migrate-experiment". */
  /**
   * Saves a batch's checkpoint and its line in the run's history (when it committed, how long it
   * took, the counts after it): inside the batch's transaction.
   */
  void checkpoint(Connection c, String checkpoint) throws SQLException {
    RunLedger.checkpoint(c, d, runId, checkpoint, processed, changed, failed, batches);
    RunLedger.recordBatch(
        c,
        d,
        runId,
        batches,
        attempt,
        (System.nanoTime() - batchStarted) / 1_000_000,
        processed,
        changed,
        failed);
  }

  abstract String kind();

  /** What makes two commands the same run (kind aside). */
  abstract String signature();

  /** Checks that need no lock: the schema, the experiments named. Throws to refuse. */
  abstract void check();

  /** Prepares a new run in an open transaction: offsets, totals. Returns the run's parameters. */
  abstract Map<String, Object> plan(Connection c) throws SQLException;

  /** Loads the state of a run being resumed. */
  abstract void resumeFrom(MigrationRun run);

  /**
   * Does one batch of at most {@code n} items in the open transaction, including its checkpoint.
   * Returns false when there was nothing left to do.
   */
  abstract boolean batch(Connection c, int n) throws SQLException;

  /** The checks at the end of a run, inside the transaction that marks it completed. */
  abstract String finish(Connection c) throws SQLException;

  /** Undoes everything the run wrote (rollback_on_error). */
  abstract void undo();

  /** A read-only pass that reports what a run would do. */
  abstract MigrationResult dryRun();

  /** A failure that rollback_on_error turns into undoing the run. */
  static final class RollbackRequested extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long itemId;

    RollbackRequested(long itemId, String reason) {
      super("item " + itemId + " failed: " + reason, null, false, false);
      this.itemId = itemId;
    }
  }

  /**
   * A failure after which nothing of the run may stay: the batch is rolled back, what earlier
   * batches wrote is undone, and {@link #failure} is thrown to the caller.
   */
  static final class UndoRun extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final RuntimeException failure;

    UndoRun(RuntimeException failure) {
      super(failure.getMessage(), failure, false, false);
      this.failure = failure;
    }
  }

  protected void setPhase(String phase) {
    this.phase = phase;
  }

  protected void addFailure(long id, String reason) {
    failed++;
    if (failures.size() < FAILURES_KEPT) {
      failures.add(new MigrationResult.Failure(id, reason));
    }
    log.error("{} run {}: item {} failed: {}", kind(), runId, id, reason);
  }

  /** How often a run that a deadlock or a busy database stopped is resumed before giving up. */
  static final int TRANSIENT_RETRIES = 5;

  /**
   * Runs, and resumes the run by itself when another writer's locks stopped it (a deadlock, a lock
   * wait or a busy database past its timeout): the failed batch was rolled back and a resume is
   * exactly-once, so after a growing pause the run goes on from its checkpoint.
   */
  final MigrationResult execute() {
    for (int attempt = 1; ; attempt++) {
      try {
        return executeOnce();
      } catch (RuntimeException e) {
        if (attempt > TRANSIENT_RETRIES || !io.expmgr.db.Failures.isTransient(e) || undone) {
          throw e;
        }
        long pause = Math.min(5_000, 100L << attempt) + (long) (Math.random() * 100);
        log.warn(
            "{}: stopped by another writer ({}); resuming in {} ms (attempt {} of {})",
            kind(),
            String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
            pause,
            attempt,
            TRANSIENT_RETRIES);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private MigrationResult executeOnce() {
    check();
    if (o.dryRun()) {
      return dryRun();
    }
    db.requireWritable(kind());
    // Never write into a damaged database, not even the run's own tables.
    db.requireIntact();
    RunLedger.ensure(db);
    long t0 = System.nanoTime();
    try (DatabaseLock lock =
        DatabaseLock.acquire(db, "migration", "migration run", this::runningHolder)) {
      boolean resumed = start();
      return loop(t0, resumed);
    } finally {
      release();
    }
  }

  /** Sets up the writing connection before the first batch, outside any batch's transaction. */
  void prepareWriter(Connection c) throws SQLException {}

  /** Releases what the run holds besides the target connection (a source connection). */
  void release() {}

  /** Names the run holding the server lock, for a refusal from another host. */
  private String runningHolder() {
    try {
      return db.withConnection(
          c -> {
            for (MigrationRun r : RunLedger.list(c, d)) {
              if (r.state() == MigrationRun.State.RUNNING) {
                return describeHolder(r);
              }
            }
            return null;
          });
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String describeHolder(MigrationRun r) {
    return "run "
        + r.runId()
        + " ("
        + r.kind()
        + "), pid "
        + r.pid()
        + " on "
        + r.host()
        + ", started "
        + r.startedAt().withNano(0);
  }

  /** Picks the run: resumes an interrupted one, refuses a repeat, or records a new one. */
  private boolean start() {
    String rulesSha = rules.sha256();
    Optional<MigrationRun> resumable =
        db.inTransaction(
            c -> {
              RunLedger.markStaleRunsInterrupted(c, d);
              List<MigrationRun> same = RunLedger.ofCommand(c, d, kind(), signature());
              for (MigrationRun r : same) {
                if (r.resumable()) {
                  if (!r.rulesSha256().equals(rulesSha)) {
                    if (!o.restart()) {
                      throw new ConflictException(
                          "the rules differ from those of interrupted run "
                              + r.runId()
                              + " of the same command; resuming it with other rules would apply"
                              + " two sets of rules to one run. Run it again with the rules it"
                              + " started with to finish it, or add --restart to abandon it and"
                              + " start afresh ("
                              + r.changed()
                              + " metrics it changed keep their changes"
                              + (r.changed() > 0
                                  ? "; 'expmgr rollback-transform --run-id "
                                      + r.runId()
                                      + "' puts back those it kept originals of"
                                  : "")
                              + ")");
                    }
                    RunLedger.setState(
                        c, d, r.runId(), MigrationRun.State.ABANDONED, "abandoned by --restart");
                    continue;
                  }
                  if (o.restart()) {
                    RunLedger.setState(
                        c, d, r.runId(), MigrationRun.State.ABANDONED, "abandoned by --restart");
                    continue;
                  }
                  return Optional.of(r);
                }
              }
              if (!o.force()) {
                for (MigrationRun r : same) {
                  if (r.state() == MigrationRun.State.COMPLETED
                      && r.rulesSha256().equals(rulesSha)) {
                    throw new ConflictException(
                        "run "
                            + r.runId()
                            + " already did this ("
                            + kind()
                            + " "
                            + signature()
                            + ", same rules) and completed on "
                            + r.finishedAt().withNano(0)
                            + "; doing it again would apply the rules twice."
                            + " Add --force to run it again anyway");
                  }
                }
              }
              return Optional.<MigrationRun>empty();
            });
    if (resumable.isPresent()) {
      MigrationRun r = resumable.get();
      runId = r.runId();
      total = r.total();
      processed = r.processed();
      changed = r.changed();
      failed = r.failed();
      batches = r.batches();
      newExperimentId = r.newExperimentId();
      resumeFrom(r);
      db.inTransaction(
          c -> {
            attempt = RunLedger.lastAttempt(c, d, runId) + 1;
            RunLedger.setState(c, d, runId, MigrationRun.State.RUNNING, null);
            return null;
          });
      log.info(
          "{}: resuming run {} after {} of {} items ({} batches)",
          kind(),
          runId,
          processed,
          total,
          batches);
      return true;
    }
    String snapshotId = null;
    if (o.safetySnapshot()) {
      snapshotId =
          new SnapshotManager(db, o.snapshotDir())
              .createSnapshot(
                  "Before " + kind() + " " + signature(),
                  List.of("safety"),
                  o.progress().steps().within("safety snapshot: "))
              .id();
      log.info("{}: safety snapshot {}", kind(), snapshotId);
    }
    String snap = snapshotId;
    db.inTransaction(
        c -> {
          Map<String, Object> params = new LinkedHashMap<>(plan(c));
          params.put("strategy", o.strategy().label());
          params.put("batch_size", o.effectiveBatchSize());
          params.put("backup_original", rules.backupOriginal());
          params.put("rollback_on_error", rules.rollbackOnError());
          params.put("transformations", rules.transformations().size());
          runId =
              RunLedger.insert(
                  c,
                  d,
                  kind(),
                  signature(),
                  rulesSha,
                  params,
                  total,
                  newExperimentId,
                  snap,
                  DatabaseLock.host());
          return null;
        });
    log.info(
        "{}: run {} started ({}, {})",
        kind(),
        runId,
        signature(),
        total < 0 ? "counting its items" : total + " items");
    return false;
  }

  private MigrationResult loop(long t0, boolean resumed) {
    int n = o.effectiveBatchSize();
    long processedAtStart = processed;
    MigrationResult.Outcome outcome;
    String message = null;
    double duty = o.strategy().dutyCycle();
    if (duty < 1) {
      log.info(
          "{} run {}: {} strategy, pausing after each batch as long as it took (duty cycle {}%)",
          kind(), runId, o.strategy().label(), Math.round(duty * 100));
    }
    try (Connection c = db.connectForWriting()) {
      tune(c);
      prepareWriter(c);
      AutoCloseable checkpoints = d.checkpointInBackground(db, c);
      try {
        while (true) {
          if (o.stopRequested().getAsBoolean()) {
            outcome = MigrationResult.Outcome.INTERRUPTED;
            message = "stopped on request after batch " + batches;
            setStateQuietly(MigrationRun.State.INTERRUPTED, message);
            break;
          }
          long b0 = System.nanoTime();
          batchStarted = b0;
          boolean more;
          c.setAutoCommit(false);
          try {
            more = batch(c, n);
            if (more) {
              faultHook.accept(batches);
            }
            if (!more) {
              message = finish(c);
              RunLedger.setState(c, d, runId, MigrationRun.State.COMPLETED, message);
            }
            long tc = System.nanoTime();
            c.commit();
            // Out of transaction mode until the next batch: on SQLite a connection for writing
            // begins its next transaction, write lock and all, as soon as one commits, which would
            // hold off every other writer during a pause, or the state recorded on a stop.
            c.setAutoCommit(true);
            commitNanos += System.nanoTime() - tc;
            if (more) {
              afterCommitHook.accept(batches);
            }
          } catch (RollbackRequested e) {
            c.rollback();
            c.setAutoCommit(true);
            log.error(
                "{} run {}: {}; undoing the run (rollback_on_error)",
                kind(),
                runId,
                e.getMessage());
            undo();
            db.inTransaction(
                x -> {
                  RunLedger.recordFailures(
                      x, d, runId, List.<Object[]>of(new Object[] {e.itemId, e.getMessage()}));
                  RunLedger.setState(
                      x,
                      d,
                      runId,
                      MigrationRun.State.ROLLED_BACK,
                      "rollback_on_error: " + e.getMessage());
                  return null;
                });
            outcome = MigrationResult.Outcome.ROLLED_BACK;
            message = e.getMessage();
            break;
          } catch (UndoRun e) {
            c.rollback();
            c.setAutoCommit(true);
            log.error("{} run {}: {}; undoing the run", kind(), runId, e.getMessage());
            undo();
            db.inTransaction(
                x -> {
                  RunLedger.setState(
                      x, d, runId, MigrationRun.State.ROLLED_BACK, "undone: " + e.getMessage());
                  return null;
                });
            undone = true;
            throw withNote(e.failure, "; run " + runId + " was undone and wrote nothing");
          } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
          }
          long ms = (System.nanoTime() - b0) / 1_000_000;
          if (more) {
            batchMillis.add(ms);
          }
          report(t0);
          if (!more) {
            log.debug("{} run {}: commits took {} ms", kind(), runId, commitNanos / 1_000_000);
            outcome = MigrationResult.Outcome.COMPLETED;
            break;
          }
          pause(ms, duty);
        }
      } finally {
        // Other connections first: the last one to close folds the WAL into the database.
        release();
        closeQuietly(checkpoints);
        untune(c);
      }
    } catch (SQLException e) {
      String why = db.describe(e);
      setStateQuietly(MigrationRun.State.INTERRUPTED, why);
      throw new DataAccessException(
          kind() + " run " + runId + " stopped: " + why + "; the same command resumes it", e);
    } catch (RuntimeException e) {
      if (!undone) {
        setStateQuietly(MigrationRun.State.INTERRUPTED, String.valueOf(e.getMessage()));
      }
      throw e;
    }
    return new MigrationResult(
        runId,
        outcome,
        newExperimentId,
        resumed,
        processed,
        total,
        changed,
        failed,
        List.copyOf(failures),
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows)),
        batches,
        List.copyOf(batchMillis),
        Duration.ofNanos(System.nanoTime() - t0),
        peakHeap(),
        snapshotIdOf(),
        message);
  }

  /** The failure with a note added to its message, of the same kind. */
  private static RuntimeException withNote(RuntimeException e, String note) {
    String m = e.getMessage() + note;
    if (e instanceof io.expmgr.InvalidInputException) {
      return new io.expmgr.InvalidInputException(m, e);
    }
    if (e instanceof io.expmgr.SchemaException) {
      return new io.expmgr.SchemaException(m, e);
    }
    return new DataAccessException(m, e);
  }

  private String snapshotIdOf() {
    return db.withConnection(c -> RunLedger.find(c, d, runId).map(MigrationRun::snapshotId))
        .orElse(null);
  }

  private void report(long t0) {
    Duration el = Duration.ofNanos(System.nanoTime() - t0);
    double s = el.toNanos() / 1e9;
    o.progress()
        .onBatch(
            new MigrationProgress(
                runId, phase, processed, total, failed, batches, el, s > 0 ? processed / s : 0));
  }

  private void pause(long batchMs, double duty) {
    if (duty >= 1) {
      return;
    }
    long wait = Math.round(batchMs * (1 / duty - 1));
    long end = System.nanoTime() + wait * 1_000_000;
    try {
      while (System.nanoTime() < end && !o.stopRequested().getAsBoolean()) {
        Thread.sleep(Math.min(20, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void untune(Connection c) {
    try {
      if (!c.getAutoCommit()) {
        c.rollback();
        c.setAutoCommit(true);
      }
      d.untuneForManyCommits(c);
    } catch (SQLException e) {
      log.warn("could not restore the connection's settings: {}", e.getMessage());
    }
  }

  private void tune(Connection c) throws SQLException {
    d.tuneForLargeTransaction(c);
    d.tuneForManyCommits(c);
  }

  /** A dry run's result: what it would do, nothing written, no run recorded. */
  MigrationResult dryRunResult(long items, long wouldChange, Map<String, Long> counts, long t0) {
    return new MigrationResult(
        0,
        MigrationResult.Outcome.DRY_RUN,
        null,
        false,
        items,
        items,
        wouldChange,
        failed,
        List.copyOf(failures),
        counts,
        0,
        List.of(),
        Duration.ofNanos(System.nanoTime() - t0),
        peakHeap(),
        null,
        "dry run: nothing was written");
  }

  /** The result of work on another thread; its failure is rethrown here. */
  static <T> T await(java.util.concurrent.Future<T> work) {
    try {
      return work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the reading thread", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    }
  }

  /** Lets work whose result no longer matters finish (it may be using the connection). */
  static void settle(java.util.concurrent.Future<?> work) {
    if (work == null) {
      return;
    }
    try {
      work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // Only its connection matters now.
    }
  }

  /** Closes a connection of the run's own, logging (not throwing) a failure. */
  static void close(Connection c, String which) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException e) {
      log.warn("could not close the {} connection: {}", which, e.getMessage());
    }
  }

  private static void closeQuietly(AutoCloseable work) {
    try {
      work.close();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("could not stop background work: {}", e.getMessage());
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      log.warn("rollback failed: {}", e.getMessage());
    }
  }

  private void setStateQuietly(MigrationRun.State state, String message) {
    try {
      db.inTransaction(
          c -> {
            RunLedger.setState(c, d, runId, state, message);
            return null;
          });
    } catch (RuntimeException e) {
      log.warn("could not record the state of run {}: {}", runId, e.getMessage());
    }
  }

  static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
