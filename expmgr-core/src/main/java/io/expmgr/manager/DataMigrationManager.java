package io.expmgr.manager;

import com.fasterxml.jackson.core.TreeNode;
import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.transfer.ExperimentExporter;
import io.expmgr.transfer.ExperimentImporter;
import io.expmgr.transfer.ExportOptions;
import io.expmgr.transfer.ExportResult;
import io.expmgr.transfer.ImportOptions;
import io.expmgr.transfer.ImportResult;
import io.expmgr.validate.CleanupResult;
import io.expmgr.validate.DataValidator;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The facade of the FAQ's Python {@code DataMigrationManager}: validation, snapshots and the
 * operations built on them, for one database.
 *
 * <pre>{@code
 * DataMigrationManager migrator = new DataMigrationManager(db);
 * SnapshotInfo before = migrator.snapshotManager().createSnapshot("Before FK cleanup");
 * ValidationReport validation = migrator.validator().validateDataConsistency();
 * if (!validation.foreignKeyViolations().isEmpty()) {
 *   migrator.cleanupOrphans(false);
 * }
 * }</pre>
 */
public class DataMigrationManager {
  private final DatabaseManager db;
  private DataValidator validator;
  private SnapshotManager snapshots;
  private final Path snapshotDirectory;
  private boolean takeSafetySnapshots = true;

  /** A manager of the database {@code db} works on, taking safety snapshots by default. */
  public DataMigrationManager(DatabaseManager db) {
    this(db, null);
  }

  /**
   * @param snapshotDir where snapshots of this database live; null for {@code
   *     $EXPMGR_HOME/snapshots/<database identity>/}
   */
  public DataMigrationManager(DatabaseManager db, Path snapshotDir) {
    this.db = db;
    this.validator = new DataValidator(db);
    this.snapshots = new SnapshotManager(db.database(), snapshotDir);
    this.snapshotDirectory = snapshotDir;
  }

  /** The database manager this one works through. */
  public DatabaseManager dbManager() {
    return db;
  }

  /** The validator; replace it with a subclass to add checks of your own. */
  public DataValidator validator() {
    return validator;
  }

  /** The validator the checks before and after migrations use. */
  public void setValidator(DataValidator validator) {
    this.validator = validator;
  }

  /** The snapshots of this manager's database. */
  public SnapshotManager snapshotManager() {
    return snapshots;
  }

  /**
   * Removes rows whose parent is missing (and what hangs off them), in one transaction, after a
   * safety snapshot when there is anything to remove.
   *
   * @param dryRun report what would go and change nothing
   */
  public CleanupResult cleanupOrphans(boolean dryRun) {
    return cleanupOrphans(dryRun, takeSafetySnapshots);
  }

  /**
   * As {@link #cleanupOrphans(boolean)}; {@code snapshotFirst = false} skips the safety snapshot
   * (the caller has one).
   */
  public CleanupResult cleanupOrphans(boolean dryRun, boolean snapshotFirst) {
    CleanupResult preview = Operations.cleaner(db.database()).cleanup(true);
    if (dryRun) {
      return preview;
    }
    return Operations.cleanup(
        db.database(),
        preview,
        new Safety(snapshotFirst, snapshotDirectory),
        null,
        io.expmgr.ProgressListener.NONE);
  }

  /**
   * Writes one experiment to a JSON file (atomically), as {@code export-experiment} does.
   *
   * @param includeMetrics every metric with its per-label values (the FAQ's {@code
   *     --include-metrics})
   * @param includeArtifacts every artifact and its links ({@code --include-artifacts})
   * @throws io.expmgr.NotFoundException when the experiment does not exist
   */
  public ExportResult exportExperiment(
      long experimentId, Path file, boolean includeMetrics, boolean includeArtifacts) {
    return exportExperiment(
        experimentId,
        file,
        new ExportOptions(includeMetrics, includeArtifacts),
        ProgressListener.NONE);
  }

  /** As {@link #exportExperiment(long, Path, boolean, boolean)}, with progress. */
  public ExportResult exportExperiment(
      long experimentId, Path file, ExportOptions options, ProgressListener progress) {
    return new ExperimentExporter(db.database())
        .exportToFile(experimentId, file, options, progress);
  }

  /**
   * Imports an exported experiment from a file as a new experiment, all or nothing; returns its id.
   * Refuses an export already imported here. A database holding data gets a safety snapshot first,
   * as {@code import-experiment} takes one ({@link ImportOperation}).
   */
  public long importExperimentData(Path file) {
    return importExperimentData(file, ImportOptions.defaults(), ProgressListener.NONE)
        .experimentId();
  }

  /** Imports an exported experiment read from a stream; returns the new experiment's id. */
  public long importExperimentData(InputStream in) {
    return ImportOperation.run(
            db.database().config(),
            null,
            in,
            "the input",
            ImportOptions.defaults(),
            safety(),
            null,
            ProgressListener.NONE)
        .result()
        .experimentId();
  }

  /**
   * Imports an export already parsed (e.g. {@code new ObjectMapper().readTree(file)}), as the FAQ's
   * {@code import_experiment_data(experiment_data)}; returns the new experiment's id.
   */
  public long importExperimentData(TreeNode document) {
    if (safety().snapshot()) {
      if (db.count("EXPERIMENT") > 0) {
        snapshots.createSnapshot(
            "Before import-experiment (a parsed document)",
            java.util.List.of("safety"),
            ProgressListener.NONE);
      }
    }
    return new ExperimentImporter(db.database())
        .importTree(document, ImportOptions.defaults(), ProgressListener.NONE)
        .experimentId();
  }

  /** Imports from a file with options, after a safety snapshot; returns what was written. */
  public ImportResult importExperimentData(
      Path file, ImportOptions options, ProgressListener progress) {
    return ImportOperation.run(
            db.database().config(), file, null, null, options, safety(), null, progress)
        .result();
  }

  /**
   * Restores a snapshot of this database's folder, after a safety snapshot of the current state (as
   * {@code restore-snapshot} does); the snapshot is checked before anything changes.
   */
  public RestoreOperation.Outcome restoreSnapshot(String id, ProgressListener progress) {
    return RestoreOperation.run(
        RestoreOperation.plan(db.database().config(), id, snapshots.directory()),
        safety(),
        null,
        progress);
  }

  /** The safety snapshot rule of this manager's changing operations. */
  private Safety safety() {
    return new Safety(takeSafetySnapshots, snapshotDirectory);
  }

  /**
   * Whether changing operations (import, cleanup, migration, transform) take a safety snapshot
   * first: on by default, as on the command line; off when the caller keeps its own.
   */
  public DataMigrationManager withSafetySnapshots(boolean take) {
    this.takeSafetySnapshots = take;
    return this;
  }

  /**
   * Copies an experiment's whole hierarchy into a new experiment of this database, as the FAQ's
   * {@code migrate_experiment(source_experiment_id=1, strategy=AGGRESSIVE, batch_size=10000,
   * progress_callback=None)}: resumable batches, a safety snapshot first.
   *
   * @param batchSize items per batch, or 0 for the strategy's default
   * @param progress told after each batch, or null
   */
  public io.expmgr.migrate.MigrationResult migrateExperiment(
      long sourceExperimentId,
      io.expmgr.migrate.MigrationStrategy strategy,
      int batchSize,
      io.expmgr.migrate.MigrationProgress.Listener progress) {
    return migrateExperiment(
        sourceExperimentId,
        null,
        db,
        io.expmgr.migrate.MigrationOptions.defaults()
            .withStrategy(strategy)
            .withBatchSize(batchSize)
            .withProgress(progress)
            .withSafetySnapshot(takeSafetySnapshots, snapshotDirectory));
  }

  /**
   * Copies an experiment into {@code target} (this database or another), into a new experiment or
   * appended to {@code intoExperimentId}, with every option (rules, dry run, stop request).
   */
  public io.expmgr.migrate.MigrationResult migrateExperiment(
      long sourceExperimentId,
      Long intoExperimentId,
      DatabaseManager target,
      io.expmgr.migrate.MigrationOptions options) {
    return io.expmgr.migrate.ExperimentMigration.run(
        db.database(), target.database(), sourceExperimentId, intoExperimentId, options);
  }

  /**
   * Rewrites the metrics of the given experiments (all when empty) by rules, in resumable batches,
   * with a safety snapshot first.
   */
  public io.expmgr.migrate.MigrationResult transformMetrics(
      java.util.List<Long> experimentIds,
      io.expmgr.migrate.TransformationRules rules,
      io.expmgr.migrate.MigrationStrategy strategy,
      int batchSize,
      io.expmgr.migrate.MigrationProgress.Listener progress) {
    return transformMetrics(
        experimentIds,
        io.expmgr.migrate.MigrationOptions.defaults()
            .withRules(rules)
            .withStrategy(strategy)
            .withBatchSize(batchSize)
            .withProgress(progress)
            .withSafetySnapshot(takeSafetySnapshots, snapshotDirectory));
  }

  /** As above, with every option. */
  public io.expmgr.migrate.MigrationResult transformMetrics(
      java.util.List<Long> experimentIds, io.expmgr.migrate.MigrationOptions options) {
    return io.expmgr.migrate.MetricTransformRun.run(db.database(), experimentIds, options);
  }

  /** The migration runs this database recorded, newest first ({@code list-migrations}). */
  public java.util.List<io.expmgr.migrate.MigrationRun> listMigrations() {
    return io.expmgr.migrate.MigrationRuns.list(db.database());
  }

  /** Puts back the originals of a transform run ({@code rollback-transform}); returns how many. */
  public long rollbackTransform(long runId) {
    return io.expmgr.migrate.MetricTransformRun.rollback(
        db.database(), runId, true, snapshotDirectory);
  }
}
