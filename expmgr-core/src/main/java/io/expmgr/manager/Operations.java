package io.expmgr.manager;

import io.expmgr.ConflictException;
import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateResult;
import io.expmgr.migrate.ExperimentMigration;
import io.expmgr.migrate.MetricTransformRun;
import io.expmgr.migrate.MigrationOptions;
import io.expmgr.migrate.MigrationResult;
import io.expmgr.migrate.MigrationRun;
import io.expmgr.migrate.MigrationRuns;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.snapshot.SnapshotFormat;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.transfer.ExperimentExporter;
import io.expmgr.transfer.ExportOptions;
import io.expmgr.transfer.ExportResult;
import io.expmgr.transfer.ImportTarget;
import io.expmgr.upgrade.SchemaStatus;
import io.expmgr.upgrade.SchemaUpgrader;
import io.expmgr.upgrade.UpgradeOptions;
import io.expmgr.upgrade.UpgradeResult;
import io.expmgr.validate.CleanupResult;
import io.expmgr.validate.DataValidator;
import io.expmgr.validate.OrphanCleaner;
import io.expmgr.validate.ValidationContext;
import io.expmgr.validate.ValidationReport;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Every capability as the command line reaches it, for a database named by its connection: this
 * class decides how a database is opened (read-only for what only reads, never created by what
 * changes data), which schema version an operation needs, when a safety snapshot is taken, and when
 * a target made for an operation is created or discarded. Commands only parse their options, call
 * one method here and print what it returns; Java programs calling the same method get the same
 * safety. Import and restore, which plan before they act, are {@link ImportOperation} and {@link
 * RestoreOperation}.
 */
public final class Operations {
  private Operations() {}

  /** Loads the engines' drivers on a side thread, so that the first connection starts sooner. */
  public static void warmUp() {
    Database.preloadInBackground();
  }

  /** The tables of the experiment model, parents first. */
  public static List<String> modelTables() {
    return Schema.v1().tableNames();
  }

  /**
   * Runs every integrity check on a database opened read-only.
   *
   * @param sampleSize how many offending rows each check keeps as examples
   */
  public static ValidationReport validate(ConnectionConfig config, int sampleSize) {
    return validate(config, sampleSize, ProgressListener.NONE);
  }

  /** As above, telling {@code progress} how many checks have finished. */
  public static ValidationReport validate(
      ConnectionConfig config, int sampleSize, ProgressListener progress) {
    return validator(config, sampleSize).progress(progress).validateDataConsistency();
  }

  /**
   * Checks the experiment hierarchy of one experiment, or of all when {@code experiment} is empty.
   */
  public static ValidationReport checkHierarchy(
      ConnectionConfig config, OptionalLong experiment, int sampleSize) {
    return checkHierarchy(config, experiment, sampleSize, ProgressListener.NONE);
  }

  /** As above, telling {@code progress} when the check has finished. */
  public static ValidationReport checkHierarchy(
      ConnectionConfig config, OptionalLong experiment, int sampleSize, ProgressListener progress) {
    return validator(config, sampleSize).progress(progress).checkHierarchy(experiment);
  }

  private static DataValidator validator(ConnectionConfig config, int sampleSize) {
    Database db = Database.openReadOnly(config);
    SchemaCheck.require(db, Schema.v1());
    return new DataValidator(DatabaseManager.of(db)).sampleSize(sampleSize);
  }

  /**
   * What {@code cleanup-orphans} would remove, found without changing anything.
   *
   * @param preview the rows that would go, with samples
   * @param database how messages name the database
   */
  public record CleanupPlan(CleanupResult preview, String database, ConnectionConfig config) {}

  /** Looks for orphans to remove; changes nothing. The database must exist. */
  public static CleanupPlan planCleanup(ConnectionConfig config) {
    Database db = Database.open(config, OpenMode.EXISTING);
    SchemaCheck.require(db, Schema.v1());
    CleanupResult preview = cleaner(db).cleanup(true);
    return new CleanupPlan(preview, db.identity(), config);
  }

  /**
   * Removes what {@link #planCleanup} found, in one transaction, after a safety snapshot unless
   * {@link Safety#none()}; a plan with nothing to remove changes nothing.
   *
   * @param onSafetySnapshot told as soon as the safety snapshot exists, before rows are removed
   */
  public static CleanupResult cleanup(
      CleanupPlan plan, Safety safety, Consumer<SnapshotInfo> onSafetySnapshot) {
    return cleanup(plan, safety, onSafetySnapshot, ProgressListener.NONE);
  }

  /** As above, telling {@code progress} how the safety snapshot goes. */
  public static CleanupResult cleanup(
      CleanupPlan plan,
      Safety safety,
      Consumer<SnapshotInfo> onSafetySnapshot,
      ProgressListener progress) {
    return cleanup(
        Database.open(plan.config(), OpenMode.EXISTING),
        plan.preview(),
        safety,
        onSafetySnapshot,
        progress);
  }

  static CleanupResult cleanup(
      Database db,
      CleanupResult preview,
      Safety safety,
      Consumer<SnapshotInfo> onSafetySnapshot,
      ProgressListener progress) {
    if (preview.totalDeleted() == 0) {
      return preview;
    }
    SnapshotInfo taken = null;
    if (safety.snapshot()) {
      taken =
          new SnapshotManager(db, safety.directory())
              .createSnapshot(
                  "Before cleanup-orphans (" + preview.totalDeleted() + " rows)",
                  List.of("safety"),
                  progress.within("safety snapshot: "));
      if (onSafetySnapshot != null) {
        onSafetySnapshot.accept(taken);
      }
    }
    return cleaner(db).cleanup(false).withSnapshot(taken);
  }

  static OrphanCleaner cleaner(Database db) {
    return new OrphanCleaner(db, ValidationContext.DEFAULT_SAMPLE_SIZE);
  }

  /**
   * Takes a snapshot of a database while others keep writing; the database must hold the model's
   * tables.
   *
   * @param directory the snapshot folder, null for the database's default one
   */
  public static SnapshotInfo createSnapshot(
      ConnectionConfig config,
      Path directory,
      String description,
      List<String> tags,
      SnapshotFormat format,
      ProgressListener progress) {
    Database db = Database.openReadOnly(config);
    SchemaCheck.require(db, Schema.v1());
    return new SnapshotManager(db, directory).createSnapshot(description, tags, format, progress);
  }

  /**
   * The snapshots of a database's folder, to list, verify, delete or prune; nothing connects to the
   * database until an operation needs it.
   *
   * @param directory the snapshot folder, null for the database's default one
   */
  public static SnapshotManager snapshots(ConnectionConfig config, Path directory) {
    return new SnapshotManager(Database.unopened(config), directory);
  }

  /** Writes one experiment to a file, atomically, from one consistent read of the database. */
  public static ExportResult exportToFile(
      ConnectionConfig config,
      long experimentId,
      Path file,
      ExportOptions options,
      ProgressListener progress) {
    return exporter(config, experimentId).exportToFile(experimentId, file, options, progress);
  }

  /** Writes one experiment to a stream (which stays open). */
  public static ExportResult exportTo(
      ConnectionConfig config,
      long experimentId,
      OutputStream out,
      ExportOptions options,
      ProgressListener progress) {
    return exporter(config, experimentId).exportTo(experimentId, out, options, progress);
  }

  private static ExperimentExporter exporter(ConnectionConfig config, long experimentId) {
    if (experimentId < 1) {
      throw new InvalidInputException("an experiment id is positive, got " + experimentId);
    }
    Database db = Database.openReadOnly(config);
    SchemaCheck.require(db, Schema.current());
    return new ExperimentExporter(db);
  }

  /**
   * Rewrites metrics by rules in resumable batches (read-only for a dry run); the options say
   * whether a safety snapshot is taken first.
   *
   * @param experimentIds only these experiments' metrics; all when empty
   */
  public static MigrationResult transformMetrics(
      ConnectionConfig config, List<Long> experimentIds, MigrationOptions options) {
    Database db =
        options.dryRun() ? Database.openReadOnly(config) : Database.open(config, OpenMode.EXISTING);
    return MetricTransformRun.run(db, experimentIds, options);
  }

  /**
   * Copies an experiment's hierarchy into a new experiment (or appended to {@code intoExperiment}),
   * in the same database or into {@code target}. A target that does not exist is created with the
   * source's schema version, needs no safety snapshot, and is removed again when the first attempt
   * fails before recording a run.
   *
   * @param target another database, or null for the source itself
   */
  public static MigrationResult migrateExperiment(
      ConnectionConfig source,
      ConnectionConfig target,
      long sourceExperiment,
      Long intoExperiment,
      MigrationOptions options) {
    Database from = Database.openReadOnly(source);
    if (options.dryRun()) {
      return ExperimentMigration.run(from, from, sourceExperiment, intoExperiment, options);
    }
    if (target == null || target.identity().equals(source.identity())) {
      return ExperimentMigration.run(
          from,
          Database.open(source, OpenMode.EXISTING),
          sourceExperiment,
          intoExperiment,
          options);
    }
    ImportTarget made = ImportTarget.open(target);
    Database into = made.database();
    try {
      if (made.wasEmpty()) {
        options.progress().steps().onStep("creating the tables in " + target.identity(), "");
        SchemaMigrator.migrate(into, SchemaMigrator.schemaOf(from).version());
      }
      return ExperimentMigration.run(
          from,
          into,
          sourceExperiment,
          intoExperiment,
          made.wasEmpty() ? options.withSafetySnapshot(false, null) : options);
    } catch (RuntimeException e) {
      if (made.wasEmpty() && !hasRuns(into)) {
        made.discardIfCreated();
      }
      throw e;
    }
  }

  private static boolean hasRuns(Database db) {
    try {
      return !MigrationRuns.list(db).isEmpty();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The migration runs a database recorded, newest first. */
  public static List<MigrationRun> listMigrations(ConnectionConfig config) {
    return MigrationRuns.list(Database.openReadOnly(config));
  }

  /**
   * A run's batches in order (thinned evenly to about {@code maxPoints} for a long run), for its
   * report's charts.
   */
  public static List<MigrationRuns.BatchRecord> migrationHistory(
      ConnectionConfig config, long runId, int maxPoints) {
    return MigrationRuns.history(Database.openReadOnly(config), runId, maxPoints);
  }

  /** The items a run could not do, with the reasons, first {@code limit} by id. */
  public static List<MigrationResult.Failure> migrationFailures(
      ConnectionConfig config, long runId, int limit) {
    return MigrationRuns.failures(Database.openReadOnly(config), runId, limit);
  }

  /** The values a transform run changed, before and after, binned ({@code bins} per type). */
  public static List<MigrationRuns.Distribution> valueDistribution(
      ConnectionConfig config, long runId, int bins) {
    return MigrationRuns.valueDistribution(Database.openReadOnly(config), runId, bins);
  }

  /**
   * The transform run {@code runId} of a database, when {@code rollback-transform} can undo it;
   * reads only, so a caller can ask for confirmation after it and not before a refusal.
   *
   * @throws NotFoundException when the database recorded no such run
   * @throws InvalidInputException when the run is not a transform run
   * @throws ConflictException when it is rolled back already, kept no originals, or a later run
   *     changed the same metrics
   */
  public static MigrationRun transformRun(ConnectionConfig config, long runId) {
    return MetricTransformRun.rollbackCheck(Database.openReadOnly(config), runId);
  }

  /**
   * Puts back the originals of a transform run, after a safety snapshot unless {@link
   * Safety#none()}; returns how many metrics were put back.
   */
  public static long rollbackTransform(ConnectionConfig config, long runId, Safety safety) {
    return rollbackTransform(config, runId, safety, ProgressListener.NONE);
  }

  /** As above, telling {@code progress} how the safety snapshot goes. */
  public static long rollbackTransform(
      ConnectionConfig config, long runId, Safety safety, ProgressListener progress) {
    transformRun(config, runId);
    return MetricTransformRun.rollback(
        Database.open(config, OpenMode.EXISTING),
        runId,
        safety.snapshot(),
        safety.directory(),
        progress);
  }

  /** The database's schema version, what an upgrade would apply, and how its tables differ. */
  public static SchemaStatus schemaStatus(ConnectionConfig config) {
    return new SchemaUpgrader(Database.openReadOnly(config), null).status();
  }

  /**
   * Upgrades a database's schema (read-only for a dry run), with the snapshot, trial and validation
   * steps the options ask for.
   *
   * @param snapshotDirectory where the snapshot before the upgrade goes, null for the default
   * @param say told each step as it starts
   */
  public static UpgradeResult upgradeSchema(
      ConnectionConfig config,
      UpgradeOptions options,
      Path snapshotDirectory,
      Consumer<String> say) {
    return upgradeSchema(config, options, snapshotDirectory, say, ProgressListener.NONE);
  }

  /** As above, telling {@code progress} how the snapshot, the trial and any restore go. */
  public static UpgradeResult upgradeSchema(
      ConnectionConfig config,
      UpgradeOptions options,
      Path snapshotDirectory,
      Consumer<String> say,
      ProgressListener progress) {
    Database db =
        options.dryRun() ? Database.openReadOnly(config) : Database.open(config, OpenMode.EXISTING);
    return new SchemaUpgrader(db, snapshotDirectory).progress(progress).upgrade(options, say);
  }

  /**
   * The tables of schema {@code version}'s model with their columns, parents first; empty for a
   * version expmgr does not know.
   */
  public static java.util.Map<String, List<String>> modelColumns(String version) {
    java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    if (version != null) {
      Schema.forVersion(version)
          .ifPresent(s -> s.tables().forEach(t -> out.put(t.name(), t.columnNames())));
    }
    return out;
  }

  /** Whether {@code version} names a schema version expmgr knows. */
  public static boolean isKnownSchemaVersion(String version) {
    return Schema.forVersion(version).isPresent();
  }

  /** The schema version of a database, opened read-only. */
  public static String schemaVersion(ConnectionConfig config) {
    return SchemaMigrator.versionOf(Database.openReadOnly(config));
  }

  /** Whether schema {@code version} has metric metadata (2.0 and later). */
  public static boolean hasMetricMetadata(String version) {
    return SchemaMigrator.compareVersions(version, Schema.VERSION_2_0) >= 0;
  }

  /**
   * Fills a database with generated experiments (created when it does not exist).
   *
   * @param append add to a database that already holds experiments
   */
  public static GenerateResult generate(
      ConnectionConfig config, GenerateOptions options, boolean append, ProgressListener progress) {
    return DataGenerator.generate(config, options, append, progress);
  }
}
