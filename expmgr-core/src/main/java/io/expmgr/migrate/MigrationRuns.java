package io.expmgr.migrate;

import io.expmgr.ConflictException;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.state.DatabaseLock;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
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

  /**
   * The items a run could not transform or copy, with the reasons, first {@code limit} by id; empty
   * for a database without a run ledger.
   */
  public static List<MigrationResult.Failure> failures(Database db, long runId, int limit) {
    if (!RunLedger.exists(db)) {
      return List.of();
    }
    return db.withConnection(
        c -> {
          List<MigrationResult.Failure> out = new ArrayList<>();
          for (Object[] f : RunLedger.failures(c, db.dialect(), runId, limit)) {
            out.add(new MigrationResult.Failure((Long) f[0], (String) f[1]));
          }
          return out;
        });
  }

  /**
   * One line of a run's history: a committed batch.
   *
   * @param attempt 1 for the run's first attempt, 2 after its first resume, ...
   * @param millis how long the batch took, from its start to its checkpoint
   */
  public record BatchRecord(
      long batch,
      int attempt,
      LocalDateTime finishedAt,
      long millis,
      long processed,
      long changed,
      long failed) {}

  /**
   * A run's batches in order, at most about {@code maxPoints} of them: a long run's history is
   * thinned evenly, keeping the first batch of each attempt and the last one. Streams the rows, so
   * memory stays flat however long the run was. Empty for a run recorded before batches were.
   */
  public static List<BatchRecord> history(Database db, long runId, int maxPoints) {
    if (!db.existingTables().contains(RunLedger.BATCHES.toUpperCase(java.util.Locale.ROOT))) {
      return List.of();
    }
    Dialect d = db.dialect();
    return db.withConnection(
        c -> {
          long count;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM " + d.quote(RunLedger.BATCHES) + " WHERE run_id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              count = rs.getLong(1);
            }
          }
          long stride = Math.max(1, (count + maxPoints - 1) / Math.max(1, maxPoints));
          List<BatchRecord> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT batch, attempt, finished_at, millis, processed, changed, failed FROM "
                      + d.quote(RunLedger.BATCHES)
                      + " WHERE run_id = ? ORDER BY batch")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
              long seen = 0;
              int lastAttempt = 0;
              BatchRecord held = null;
              while (rs.next()) {
                BatchRecord b =
                    new BatchRecord(
                        rs.getLong(1),
                        rs.getInt(2),
                        d.getTime(rs, 3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getLong(6),
                        rs.getLong(7));
                boolean keep = seen % stride == 0 || b.attempt() != lastAttempt;
                if (keep) {
                  out.add(b);
                  held = null;
                } else {
                  held = b;
                }
                lastAttempt = b.attempt();
                seen++;
              }
              if (held != null) {
                out.add(held);
              }
            }
          }
          return out;
        });
  }

  /**
   * The values of one metric type before and after a transform run, binned over one range.
   *
   * @param type the type as it was before the run
   * @param lower the range's lower end
   * @param upper the range's upper end
   * @param before how many original values fall in each bin
   * @param after how many transformed values fall in each bin
   * @param count the metrics of this type the run changed (and kept originals of)
   */
  public record Distribution(
      String type, double lower, double upper, long[] before, long[] after, long count) {}

  /**
   * The {@code total_val} distributions before and after a transform run, for the (at most three)
   * types it changed most; from the originals it kept ({@code backup_original}), so empty for a run
   * that kept none or is not a transform. Streams the values.
   */
  public static List<Distribution> valueDistribution(Database db, long runId, int bins) {
    if (!RunLedger.exists(db)) {
      return List.of();
    }
    Dialect d = db.dialect();
    String from =
        " FROM "
            + d.quote(RunLedger.BACKUP)
            + " b JOIN "
            + d.quote("METRIC")
            + " m ON m.id = b.metric_id WHERE b.run_id = ?";
    return db.withConnection(
        c -> {
          List<Object[]> types = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT b.type, count(*), min(b.total_val), max(b.total_val), min(m.total_val),"
                      + " max(m.total_val)"
                      + from
                      + " GROUP BY b.type ORDER BY count(*) DESC, b.type")) {
            ps.setLong(1, runId);
            ps.setMaxRows(3);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next() && types.size() < 3) {
                double lo = Math.min(finite(rs, 3, true), finite(rs, 5, true));
                double hi = Math.max(finite(rs, 4, false), finite(rs, 6, false));
                types.add(new Object[] {rs.getString(1), rs.getLong(2), lo, hi});
              }
            }
          }
          List<Distribution> out = new ArrayList<>();
          for (Object[] t : types) {
            double lo = (double) t[2];
            double hi = (double) t[3];
            if (!(lo <= hi)) {
              continue;
            }
            if (hi == lo) {
              hi = lo + 1;
            }
            long[] before = new long[bins];
            long[] after = new long[bins];
            try (PreparedStatement ps =
                c.prepareStatement("SELECT b.total_val, m.total_val" + from + " AND b.type = ?")) {
              ps.setLong(1, runId);
              ps.setString(2, (String) t[0]);
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  bin(rs, 1, before, lo, hi);
                  bin(rs, 2, after, lo, hi);
                }
              }
            }
            out.add(new Distribution((String) t[0], lo, hi, before, after, (long) t[1]));
          }
          return out;
        });
  }

  private static double finite(ResultSet rs, int column, boolean lower) throws SQLException {
    double v = rs.getDouble(column);
    if (rs.wasNull() || !Double.isFinite(v)) {
      return lower ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }
    return v;
  }

  private static void bin(ResultSet rs, int column, long[] bins, double lo, double hi)
      throws SQLException {
    double v = rs.getDouble(column);
    if (rs.wasNull() || !Double.isFinite(v)) {
      return;
    }
    int i = (int) Math.floor((v - lo) / (hi - lo) * bins.length);
    bins[Math.max(0, Math.min(bins.length - 1, i))]++;
  }
}
