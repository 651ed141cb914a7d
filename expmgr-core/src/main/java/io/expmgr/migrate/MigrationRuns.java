package io.expmgr.migrate;

import io.expmgr.ConflictException;
import io.expmgr.db.Database;
import io.expmgr.state.DatabaseLock;
import java.util.ArrayList;
import java.util.List;

/** The runs a database has recorded ({@code list-migrations}). */
public final class MigrationRuns {
  private MigrationRuns() {}

  /**
   * Every run, newest first. A run recorded as running whose process is gone (nobody holds the
   * migration lock) is shown as interrupted, which is what the next command will treat it as.
   */
  public static List<MigrationRun> list(Database db) {
    if (!RunLedger.exists(db)) {
      return List.of();
    }
    List<MigrationRun> runs = db.withConnection(c -> RunLedger.list(c, db.dialect()));
    if (runs.stream().noneMatch(r -> r.state() == MigrationRun.State.RUNNING)) {
      return runs;
    }
    boolean live;
    try (DatabaseLock probe = DatabaseLock.acquire(db, "migration", "migration run", () -> null)) {
      live = false;
    } catch (ConflictException e) {
      live = true;
    }
    if (live) {
      return runs;
    }
    List<MigrationRun> out = new ArrayList<>();
    for (MigrationRun r : runs) {
      out.add(
          r.state() != MigrationRun.State.RUNNING
              ? r
              : new MigrationRun(
                  r.runId(),
                  r.kind(),
                  MigrationRun.State.INTERRUPTED,
                  r.signature(),
                  r.rulesSha256(),
                  r.params(),
                  r.checkpoint(),
                  r.total(),
                  r.processed(),
                  r.changed(),
                  r.failed(),
                  r.batches(),
                  r.newExperimentId(),
                  r.snapshotId(),
                  r.pid(),
                  r.host(),
                  r.startedAt(),
                  r.updatedAt(),
                  r.finishedAt(),
                  "its process stopped without saying why (killed?)"));
    }
    return out;
  }
}
