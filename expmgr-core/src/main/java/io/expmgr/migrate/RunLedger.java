package io.expmgr.migrate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.db.Column;
import io.expmgr.db.ColumnType;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Sql;
import io.expmgr.db.Table;
import io.expmgr.db.Times;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The target's record of migration runs: {@value #RUNS} (one row per run, with its checkpoint),
 * {@value #BACKUP} (the originals of metrics a run changed, kept with {@code backup_original}) and
 * {@value #FAILURES} (each item a run could not transform, with the reason) and {@value #BATCHES}
 * (when each batch committed, how long it took and the counts after it, for the run's report). A
 * batch writes its rows, its backups, its failures, its history and its checkpoint in one
 * transaction, which is what makes a resume exactly-once.
 */
final class RunLedger {
  static final String RUNS = "expmgr_migration_runs";
  static final String BACKUP = "expmgr_metric_backup";
  static final String FAILURES = "expmgr_migration_failures";
  static final String BATCHES = "expmgr_migration_batches";

  static final Table RUNS_MODEL =
      new Table(
          RUNS,
          List.of(
              Column.required("run_id", ColumnType.ID),
              Column.required("kind", ColumnType.SHORT_TEXT),
              Column.required("state", ColumnType.SHORT_TEXT),
              Column.required("signature", ColumnType.TEXT),
              Column.required("rules_sha256", ColumnType.SHORT_TEXT),
              Column.required("params", ColumnType.TEXT),
              Column.optional("checkpoint", ColumnType.TEXT),
              Column.required("total", ColumnType.ID),
              Column.required("processed", ColumnType.ID),
              Column.required("changed", ColumnType.ID),
              Column.required("failed", ColumnType.ID),
              Column.required("batches", ColumnType.ID),
              Column.optional("new_experiment_id", ColumnType.ID),
              Column.optional("snapshot_id", ColumnType.SHORT_TEXT),
              Column.required("pid", ColumnType.ID),
              Column.required("host", ColumnType.SHORT_TEXT),
              Column.required("started_at", ColumnType.TIMESTAMP),
              Column.required("updated_at", ColumnType.TIMESTAMP),
              Column.optional("finished_at", ColumnType.TIMESTAMP),
              Column.optional("message", ColumnType.TEXT)),
          List.of("run_id"),
          List.of(),
          List.of());

  static final Table BACKUP_MODEL =
      new Table(
          BACKUP,
          List.of(
              Column.required("run_id", ColumnType.ID),
              Column.required("metric_id", ColumnType.ID),
              Column.required("type", ColumnType.SHORT_TEXT),
              Column.optional("total_val", ColumnType.DOUBLE),
              Column.optional("per_label_val", ColumnType.TEXT),
              Column.optional("metadata", ColumnType.TEXT)),
          List.of("run_id", "metric_id"),
          List.of(),
          List.of());

  static final Table FAILURES_MODEL =
      new Table(
          FAILURES,
          List.of(
              Column.required("run_id", ColumnType.ID),
              Column.required("item_id", ColumnType.ID),
              Column.required("reason", ColumnType.TEXT)),
          List.of("run_id", "item_id"),
          List.of(),
          List.of());

  static final Table BATCHES_MODEL =
      new Table(
          BATCHES,
          List.of(
              Column.required("run_id", ColumnType.ID),
              Column.required("batch", ColumnType.ID),
              Column.required("attempt", ColumnType.ID),
              Column.required("finished_at", ColumnType.TIMESTAMP),
              Column.required("millis", ColumnType.ID),
              Column.required("processed", ColumnType.ID),
              Column.required("changed", ColumnType.ID),
              Column.required("failed", ColumnType.ID)),
          List.of("run_id", "batch"),
          List.of(),
          List.of());

  static final ObjectMapper JSON = new ObjectMapper();

  private RunLedger() {}

  /** Creates the tables when missing (DDL: outside any batch's transaction). */
  static void ensure(Database db) {
    db.ensureTables(List.of(RUNS_MODEL, BACKUP_MODEL, FAILURES_MODEL, BATCHES_MODEL));
  }

  /** Whether the database has a run ledger at all (a read-only look never creates one). */
  static boolean exists(Database db) {
    return db.existingTables().contains(RUNS.toUpperCase(Locale.ROOT));
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> mapOf(String json) {
    try {
      return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a run record holds malformed JSON: " + e.getMessage(), e);
    }
  }

  /** Every run, newest first. */
  static List<MigrationRun> list(Connection c, Dialect d) throws SQLException {
    return query(c, d, "", List.of());
  }

  static Optional<MigrationRun> find(Connection c, Dialect d, long runId) throws SQLException {
    List<MigrationRun> r = query(c, d, " WHERE run_id = ?", List.of(runId));
    return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
  }

  /** The runs of one command (kind and signature), newest first. */
  static List<MigrationRun> ofCommand(Connection c, Dialect d, String kind, String signature)
      throws SQLException {
    return query(c, d, " WHERE kind = ? AND signature = ?", List.of(kind, signature));
  }

  private static List<MigrationRun> query(Connection c, Dialect d, String where, List<Object> args)
      throws SQLException {
    List<MigrationRun> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            Sql.selectAll(RUNS_MODEL, d) + where + " ORDER BY " + d.quote("run_id") + " DESC")) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs, d));
        }
      }
    }
    return out;
  }

  private static MigrationRun read(ResultSet rs, Dialect d) throws SQLException {
    long newExp = rs.getLong("new_experiment_id");
    Long newExperiment = rs.wasNull() ? null : newExp;
    return new MigrationRun(
        rs.getLong("run_id"),
        rs.getString("kind"),
        MigrationRun.State.of(rs.getString("state")),
        rs.getString("signature"),
        rs.getString("rules_sha256"),
        mapOf(rs.getString("params")),
        rs.getString("checkpoint"),
        rs.getLong("total"),
        rs.getLong("processed"),
        rs.getLong("changed"),
        rs.getLong("failed"),
        rs.getLong("batches"),
        newExperiment,
        rs.getString("snapshot_id"),
        rs.getLong("pid"),
        rs.getString("host"),
        d.getTime(rs, "started_at"),
        d.getTime(rs, "updated_at"),
        d.getTime(rs, "finished_at"),
        rs.getString("message"));
  }

  /** Records a new run as running and returns its id. */
  static long insert(
      Connection c,
      Dialect d,
      String kind,
      String signature,
      String rulesSha256,
      Map<String, Object> params,
      long total,
      Long newExperimentId,
      String snapshotId,
      String host)
      throws SQLException {
    long id = d.lockingMax(c, RUNS, "run_id") + 1;
    LocalDateTime now = Times.normalize(LocalDateTime.now());
    try (PreparedStatement ps = c.prepareStatement(Sql.insert(RUNS_MODEL, d))) {
      Object[] row = {
        id,
        kind,
        MigrationRun.State.RUNNING.label(),
        signature,
        rulesSha256,
        toJson(params),
        null,
        total,
        0L,
        0L,
        0L,
        0L,
        newExperimentId,
        snapshotId,
        ProcessHandle.current().pid(),
        host,
        now,
        now,
        null,
        null
      };
      bind(ps, row, d);
      ps.executeUpdate();
    }
    return id;
  }

  private static void bind(PreparedStatement ps, Object[] row, Dialect d) throws SQLException {
    for (int i = 0; i < row.length; i++) {
      io.expmgr.db.Rows.bind(ps, i + 1, RUNS_MODEL.columns().get(i).type(), row[i], d);
    }
  }

  /** Saves a batch's progress: inside the batch's transaction. */
  static void checkpoint(
      Connection c,
      Dialect d,
      long runId,
      String checkpoint,
      long processed,
      long changed,
      long failed,
      long batches)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + d.quote(RUNS)
                + " SET checkpoint = ?, processed = ?, changed = ?, failed = ?, batches = ?,"
                + " updated_at = ? WHERE run_id = ?")) {
      ps.setString(1, checkpoint);
      ps.setLong(2, processed);
      ps.setLong(3, changed);
      ps.setLong(4, failed);
      ps.setLong(5, batches);
      d.setTime(ps, 6, Times.normalize(LocalDateTime.now()));
      ps.setLong(7, runId);
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("run " + runId + " has vanished from " + RUNS);
      }
    }
  }

  /** Records the number of items a run has to do, once it is known. */
  /** Replaces a run's plan: its parameters and the experiment it writes into. */
  static void replan(
      Connection c, Dialect d, long runId, Map<String, Object> params, Long newExperimentId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + d.quote(RUNS)
                + " SET params = ?, new_experiment_id = ? WHERE run_id = ?")) {
      ps.setString(1, toJson(params));
      if (newExperimentId == null) {
        ps.setNull(2, java.sql.Types.BIGINT);
      } else {
        ps.setLong(2, newExperimentId);
      }
      ps.setLong(3, runId);
      ps.executeUpdate();
    }
  }

  static void setTotal(Connection c, Dialect d, long runId, long total) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE " + d.quote(RUNS) + " SET total = ? WHERE run_id = ?")) {
      ps.setLong(1, total);
      ps.setLong(2, runId);
      ps.executeUpdate();
    }
  }

  /** Sets a run's state (and, for an end state, its finish time), with an optional message. */
  static void setState(
      Connection c, Dialect d, long runId, MigrationRun.State state, String message)
      throws SQLException {
    boolean end = state != MigrationRun.State.RUNNING && state != MigrationRun.State.ROLLING_BACK;
    LocalDateTime now = Times.normalize(LocalDateTime.now());
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + d.quote(RUNS)
                + " SET state = ?, message = ?, updated_at = ?, finished_at = ?, pid = ?, host = ?"
                + " WHERE run_id = ?")) {
      ps.setString(1, state.label());
      ps.setString(2, message);
      d.setTime(ps, 3, now);
      d.setTime(ps, 4, end ? now : null);
      ps.setLong(5, ProcessHandle.current().pid());
      ps.setString(6, io.expmgr.state.DatabaseLock.host());
      ps.setLong(7, runId);
      ps.executeUpdate();
    }
  }

  /** Marks runs left "running" by a killed process as interrupted (called under the lock). */
  static void markStaleRunsInterrupted(Connection c, Dialect d) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE " + d.quote(RUNS) + " SET state = ?, message = ? WHERE state = ?")) {
      ps.setString(1, MigrationRun.State.INTERRUPTED.label());
      ps.setString(2, "the process running it stopped without saying why (killed?)");
      ps.setString(3, MigrationRun.State.RUNNING.label());
      ps.executeUpdate();
    }
  }

  /** Records a failed item (inside the batch's transaction). */
  static void recordFailures(Connection c, Dialect d, long runId, List<Object[]> idAndReason)
      throws SQLException {
    if (idAndReason.isEmpty()) {
      return;
    }
    List<Object[]> rows = new ArrayList<>(idAndReason.size());
    for (Object[] f : idAndReason) {
      rows.add(new Object[] {runId, f[0], f[1]});
    }
    d.bulkInsert(c, FAILURES_MODEL, rows);
  }

  /** The failures of a run, first {@code limit} by item id. */
  static List<Object[]> failures(Connection c, Dialect d, long runId, int limit)
      throws SQLException {
    List<Object[]> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT item_id, reason FROM "
                + d.quote(FAILURES)
                + " WHERE run_id = ? ORDER BY item_id")) {
      ps.setLong(1, runId);
      ps.setMaxRows(limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Object[] {rs.getLong(1), rs.getString(2)});
        }
      }
    }
    return out;
  }

  /** How many backups a run holds. */
  static long backupCount(Connection c, Dialect d, long runId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT count(*) FROM " + d.quote(BACKUP) + " WHERE run_id = ?")) {
      ps.setLong(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Records a batch in the run's history: inside the batch's transaction. */
  static void recordBatch(
      Connection c,
      Dialect d,
      long runId,
      long batch,
      int attempt,
      long millis,
      long processed,
      long changed,
      long failed)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + d.quote(BATCHES)
                + " (run_id, batch, attempt, finished_at, millis, processed, changed, failed)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, runId);
      ps.setLong(2, batch);
      ps.setLong(3, attempt);
      d.setTime(ps, 4, Times.normalize(LocalDateTime.now()));
      ps.setLong(5, millis);
      ps.setLong(6, processed);
      ps.setLong(7, changed);
      ps.setLong(8, failed);
      ps.executeUpdate();
    }
  }

  /** The last attempt a run's history records, 0 when none. */
  static int lastAttempt(Connection c, Dialect d, long runId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT max(attempt) FROM " + d.quote(BATCHES) + " WHERE run_id = ?")) {
      ps.setLong(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }
}
