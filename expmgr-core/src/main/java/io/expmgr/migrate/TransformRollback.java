package io.expmgr.migrate;

import io.expmgr.ConflictException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.state.DatabaseLock;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rollback-transform}: a transform run's originals, kept with {@code backup_original}, put
 * back batch by batch, each batch deleting the originals it restored, so a killed rollback resumes.
 */
final class TransformRollback {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(TransformRollback.class);

  private TransformRollback() {}

  /**
   * {@code rollback-transform}: puts back the originals a transform run kept with {@code
   * backup_original}. Resumable: each batch deletes the originals it restored.
   *
   * @return the number of metrics restored
   */
  static long run(
      Database db,
      long runId,
      boolean safetySnapshot,
      java.nio.file.Path snapshotDir,
      ProgressListener progress) {
    db.requireWritable("rollback-transform");
    Dialect d = db.dialect();
    requireLedger(db);
    try (DatabaseLock lock = DatabaseLock.acquire(db, "migration", "migration run", () -> null)) {
      MigrationRun run =
          db.inTransaction(
              c -> {
                RunLedger.markStaleRunsInterrupted(c, d);
                return check(c, d, runId);
              });
      if (safetySnapshot && run.state() != MigrationRun.State.ROLLING_BACK) {
        new SnapshotManager(db, snapshotDir)
            .createSnapshot(
                "Before rollback-transform --run-id " + runId,
                List.of("safety"),
                progress.within("safety snapshot: "));
      }
      db.inTransaction(
          c -> {
            RunLedger.setState(c, d, runId, MigrationRun.State.ROLLING_BACK, null);
            return null;
          });
      long restored = restoreOriginals(db, runId, 1_000);
      db.inTransaction(
          c -> {
            RunLedger.setState(
                c,
                d,
                runId,
                MigrationRun.State.ROLLED_BACK,
                "rolled back: " + restored + " metrics restored");
            return null;
          });
      log.info("rollback-transform: run {} rolled back, {} metrics restored", runId, restored);
      return restored;
    }
  }

  /**
   * The run, when a rollback of it can go ahead: it exists, is a transform run, is not rolled back
   * yet, kept originals and no later run changed the same metrics. Reads only.
   *
   * @throws NotFoundException when there is no such run
   * @throws ConflictException when the rollback cannot go ahead
   */
  static MigrationRun check(Database db, long runId) {
    requireLedger(db);
    return db.withConnection(c -> check(c, db.dialect(), runId));
  }

  private static void requireLedger(Database db) {
    if (!RunLedger.exists(db)) {
      throw new NotFoundException("no migration run has been recorded in " + db.identity());
    }
  }

  private static MigrationRun check(java.sql.Connection c, Dialect d, long runId)
      throws java.sql.SQLException {
    MigrationRun r =
        RunLedger.find(c, d, runId)
            .orElseThrow(
                () ->
                    new NotFoundException(
                        "run " + runId + " does not exist; list-migrations shows" + " the runs"));
    if (!r.kind().equals(MetricTransformRun.KIND)) {
      throw new io.expmgr.InvalidInputException(
          "run "
              + runId
              + " is a "
              + r.kind()
              + " run; only transform-metrics runs"
              + " can be rolled back (delete the migrated experiment instead)");
    }
    if (r.state() == MigrationRun.State.ROLLED_BACK) {
      throw new ConflictException("run " + runId + " is already rolled back");
    }
    long kept = RunLedger.backupCount(c, d, runId);
    if (kept == 0 && r.state() != MigrationRun.State.ROLLING_BACK) {
      throw new ConflictException(
          "run "
              + runId
              + " kept no originals (backup_original was off"
              + (r.changed() == 0 ? ", or it changed nothing" : "")
              + ")"
              + (r.snapshotId() == null
                  ? ""
                  : "; 'expmgr restore-snapshot --snapshot-id "
                      + r.snapshotId()
                      + "' goes back to before it"));
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT min(b2.run_id) FROM "
                + d.quote(RunLedger.BACKUP)
                + " b1 JOIN "
                + d.quote(RunLedger.BACKUP)
                + " b2 ON b2.metric_id = b1.metric_id AND b2.run_id > b1.run_id"
                + " WHERE b1.run_id = ?")) {
      ps.setLong(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long later = rs.getLong(1);
        if (!rs.wasNull()) {
          throw new ConflictException(
              "later run "
                  + later
                  + " changed metrics that run "
                  + runId
                  + " changed; roll back run "
                  + later
                  + " first");
        }
      }
    }
    return r;
  }

  /** Puts back the originals a run kept, in batches that each delete what they restored. */
  static long restoreOriginals(Database db, long runId, int batchSize) {
    Dialect d = db.dialect();
    boolean hasMetadata =
        SchemaMigrator.schemaOf(db).table("METRIC").column("metadata").isPresent();
    long restored = 0;
    while (true) {
      long done =
          db.inTransaction(
              c -> {
                List<Object[]> batch = new ArrayList<>();
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "SELECT metric_id, type, total_val, per_label_val, metadata FROM "
                            + d.quote(RunLedger.BACKUP)
                            + " WHERE run_id = ? ORDER BY metric_id LIMIT ?")) {
                  ps.setLong(1, runId);
                  ps.setInt(2, batchSize);
                  try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      double tv = rs.getDouble(3);
                      Double total = rs.wasNull() ? null : tv;
                      batch.add(
                          new Object[] {
                            rs.getLong(1), rs.getString(2), total, rs.getString(4), rs.getString(5)
                          });
                    }
                  }
                }
                if (batch.isEmpty()) {
                  return 0L;
                }
                List<MetricTransformRun.Row> originals = new ArrayList<>(batch.size());
                for (Object[] b : batch) {
                  originals.add(
                      new MetricTransformRun.Row(
                          (Long) b[0],
                          new MetricTransformer.MetricValues(
                              (String) b[1], (Double) b[2], (String) b[3], (String) b[4])));
                }
                MetricTransformRun.writeMetrics(c, d, hasMetadata, null, originals);
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "DELETE FROM "
                            + d.quote(RunLedger.BACKUP)
                            + " WHERE run_id = ? AND metric_id <= ?")) {
                  ps.setLong(1, runId);
                  ps.setLong(2, (Long) batch.get(batch.size() - 1)[0]);
                  ps.executeUpdate();
                }
                return (long) batch.size();
              });
      if (done == 0) {
        return restored;
      }
      restored += done;
    }
  }
}
