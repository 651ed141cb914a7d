package io.expmgr.manager;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Restores a snapshot with the rules every caller gets: the snapshot is checked before anything
 * else happens; the plan says whether data will be replaced and across which schema versions (so a
 * caller can ask first); a database holding data gets a safety snapshot of its current state unless
 * {@link Safety#none()}; a file database that does not exist is created.
 */
public final class RestoreOperation {
  /**
   * What a restore would do.
   *
   * @param snapshot the checked snapshot
   * @param replacesData whether the target holds experiment tables the restore replaces
   * @param currentVersion the target's schema version, null when it has no tables
   */
  public record Plan(
      ConnectionConfig target,
      SnapshotInfo snapshot,
      boolean replacesData,
      String currentVersion,
      Path sourceDirectory) {
    /** Whether the restore changes the target's schema version. */
    public boolean changesVersion() {
      return replacesData && !currentVersion.equals(snapshot.schemaVersion());
    }
  }

  /** What the restore did, with the safety snapshot taken first (null when none was). */
  public record Outcome(SnapshotInfo restored, SnapshotInfo safetySnapshot) {}

  private RestoreOperation() {}

  /**
   * Checks the snapshot's files and looks at the target; changes nothing.
   *
   * @param fromDir the folder holding the snapshot; null for the target's snapshot folder
   */
  public static Plan plan(ConnectionConfig target, String id, Path fromDir) {
    SnapshotManager source = new SnapshotManager(Database.unopened(target), fromDir);
    SnapshotInfo snapshot = source.checkFiles(SnapshotManager.checkId(id));
    Database db = target.mayExist() ? Database.open(target, OpenMode.CREATE) : null;
    boolean hasTables = db != null && !SchemaCheck.gaps(db, Schema.v1()).isEmpty(Schema.v1());
    return new Plan(
        target,
        snapshot,
        hasTables,
        hasTables ? SchemaMigrator.versionOf(db) : null,
        source.directory());
  }

  /**
   * Restores what {@link #plan} checked.
   *
   * @param onSafetySnapshot told as soon as the safety snapshot exists, before the restore starts
   */
  public static Outcome run(
      Plan plan,
      Safety safety,
      Consumer<SnapshotInfo> onSafetySnapshot,
      ProgressListener progress) {
    SnapshotInfo taken = null;
    if (plan.replacesData() && safety.snapshot()) {
      taken =
          new SnapshotManager(Database.open(plan.target(), OpenMode.EXISTING), safety.directory())
              .createSnapshot(
                  "Before restoring " + plan.snapshot().id(),
                  List.of("safety"),
                  progress.within("safety snapshot: "));
      if (onSafetySnapshot != null) {
        onSafetySnapshot.accept(taken);
      }
    }
    SnapshotInfo restored =
        new SnapshotManager(Database.unopened(plan.target()), plan.sourceDirectory())
            .restoreSnapshot(plan.snapshot().id(), progress);
    return new Outcome(restored, taken);
  }
}
