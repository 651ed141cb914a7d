package io.expmgr.validate;

import io.expmgr.DataAccessException;
import io.expmgr.NotFoundException;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.Database;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.internal.DaemonThreads;
import io.expmgr.schema.SchemaMigrator;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs integrity checks and returns a {@link ValidationReport}. The built-in checks are foreign
 * keys (composite ones too), per-label JSON, the hierarchy, and unlinked metrics and artifacts;
 * {@link #register} adds your own, whose findings appear in the same report. Checks run
 * concurrently, each on its own connection.
 *
 * <p>Extend it, as the FAQ's {@code CustomValidator} does, to add methods of your own that use
 * {@link #dbManager()}.
 */
public class DataValidator {
  private static final Logger log = LoggerFactory.getLogger(DataValidator.class);

  private final DatabaseManager db;
  private final List<ValidationCheck> custom = new ArrayList<>();
  private int sampleSize = ValidationContext.DEFAULT_SAMPLE_SIZE;

  public DataValidator(DatabaseManager db) {
    this.db = db;
  }

  /** The manager of the database under validation, for subclasses' own checks. */
  protected DatabaseManager dbManager() {
    return db;
  }

  /** Adds a check to every following run. */
  public DataValidator register(ValidationCheck check) {
    if (builtIn().stream().anyMatch(c -> c.name().equals(check.name()))
        || custom.stream().anyMatch(c -> c.name().equals(check.name()))) {
      throw new IllegalArgumentException(
          "a check named " + check.name() + " is already registered");
    }
    custom.add(check);
    return this;
  }

  /** Told how many checks have finished, as they finish (on the checks' threads). */
  public DataValidator progress(io.expmgr.ProgressListener listener) {
    this.progress = listener == null ? io.expmgr.ProgressListener.NONE : listener;
    return this;
  }

  private io.expmgr.ProgressListener progress = io.expmgr.ProgressListener.NONE;

  /** How many offending rows each check keeps as a sample (default 10). */
  public DataValidator sampleSize(int rows) {
    new ValidationContext(db.database(), OptionalLong.empty(), rows);
    this.sampleSize = rows;
    return this;
  }

  /** The built-in checks followed by the registered ones. */
  public List<ValidationCheck> checks() {
    List<ValidationCheck> all = new ArrayList<>(builtIn());
    all.addAll(custom);
    return all;
  }

  private static List<ValidationCheck> builtIn() {
    return List.of(
        new ForeignKeyCheck(),
        new PerLabelValueCheck(),
        new HierarchyCheck(),
        new UnlinkedRowsCheck());
  }

  /** Every check, on the whole database (the FAQ's {@code validate_data_consistency}). */
  public ValidationReport validateDataConsistency() {
    return run(checks(), OptionalLong.empty());
  }

  /**
   * The hierarchy checks, for one experiment or all.
   *
   * @throws NotFoundException when the experiment does not exist
   */
  public ValidationReport checkHierarchy(OptionalLong experimentId) {
    if (experimentId.isPresent() && db.getExperiment(experimentId.getAsLong()).isEmpty()) {
      throw new NotFoundException(
          "experiment "
              + experimentId.getAsLong()
              + " does not exist in "
              + db.database().identity());
    }
    return run(List.of(new HierarchyCheck()), experimentId);
  }

  /** Runs the given checks concurrently and collects their results in the given order. */
  public ValidationReport run(List<ValidationCheck> checks, OptionalLong experimentId) {
    Database database = db.database();
    SchemaCheck.require(database, Schema.v1());
    String version = SchemaMigrator.versionOf(database);
    ValidationContext context = new ValidationContext(database, experimentId, sampleSize);
    OffsetDateTime started = OffsetDateTime.now();
    long t0 = System.nanoTime();
    int threads = Math.max(1, Math.min(checks.size(), Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = DaemonThreads.pool("validate", threads);
    List<CheckResult> results = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger finished =
        new java.util.concurrent.atomic.AtomicInteger();
    progress.onStep("checking " + database.identity(), "checks");
    progress.onProgress(0, checks.size());
    try {
      List<Future<CheckResult>> futures = new ArrayList<>();
      for (ValidationCheck check : checks) {
        futures.add(
            pool.submit(
                () -> {
                  CheckResult r = timed(check, context);
                  progress.onProgress(finished.incrementAndGet(), checks.size());
                  return r;
                }));
      }
      for (Future<CheckResult> f : futures) {
        results.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataAccessException("validation interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException re
          ? re
          : new DataAccessException(String.valueOf(cause), cause);
    } finally {
      pool.shutdownNow();
    }
    ValidationReport report =
        new ValidationReport(
            database.identity(),
            database.engine().label(),
            version,
            experimentId,
            started,
            results,
            (System.nanoTime() - t0) / 1_000_000);
    log.info(
        "validation of {}: {} ({} issues, {} ms)",
        database.identity(),
        report.overallStatus(),
        report.totalIssues(),
        report.durationMillis());
    return report;
  }

  private static CheckResult timed(ValidationCheck check, ValidationContext context) {
    long t0 = System.nanoTime();
    CheckResult r = check.run(context);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (r.status() != Status.PASS) {
      log.info("check {}: {} - {}", check.name(), r.status(), r.summary());
    } else {
      log.debug("check {}: PASS in {} ms", check.name(), ms);
    }
    return r.withDuration(ms);
  }
}
