package io.expmgr.api;

import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.validate.CleanupResult;
import io.expmgr.validate.DataValidator;
import io.expmgr.validate.OrphanCleaner;
import io.expmgr.validate.ValidationContext;
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
  }

  public DatabaseManager dbManager() {
    return db;
  }

  /** The validator; replace it with a subclass to add checks of your own. */
  public DataValidator validator() {
    return validator;
  }

  public void setValidator(DataValidator validator) {
    this.validator = validator;
  }

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
    return cleanupOrphans(dryRun, true);
  }

  /**
   * As {@link #cleanupOrphans(boolean)}; {@code snapshotFirst = false} skips the safety snapshot
   * (the caller has one).
   */
  public CleanupResult cleanupOrphans(boolean dryRun, boolean snapshotFirst) {
    OrphanCleaner cleaner = new OrphanCleaner(db.database(), ValidationContext.DEFAULT_SAMPLE_SIZE);
    CleanupResult preview = cleaner.cleanup(true);
    if (dryRun || preview.totalDeleted() == 0) {
      return preview;
    }
    SnapshotInfo safety =
        snapshotFirst
            ? snapshots.createSnapshot(
                "Before cleanup-orphans (" + preview.totalDeleted() + " rows)",
                java.util.List.of("safety"),
                io.expmgr.ProgressListener.NONE)
            : null;
    return cleaner.cleanup(false).withSnapshot(safety);
  }
}
