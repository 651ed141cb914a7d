package io.expmgr.transfer;

import io.expmgr.db.Column;
import io.expmgr.db.ColumnType;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Sql;
import io.expmgr.db.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The target's memory of what it imported ({@value #TABLE}): source identity, source experiment id
 * and content checksum, and the experiment each became. It makes a repeated import a clear refusal
 * instead of a silent duplicate.
 */
final class ImportLedger {
  static final String TABLE = "expmgr_imports";

  static final Table MODEL =
      new Table(
          TABLE,
          List.of(
              Column.required("id", ColumnType.ID),
              Column.required("source_identity", ColumnType.TEXT),
              Column.required("source_experiment_id", ColumnType.ID),
              Column.required("content_sha256", ColumnType.SHORT_TEXT),
              Column.required("target_experiment_id", ColumnType.ID),
              Column.required("imported_at", ColumnType.TIMESTAMP)),
          List.of("id"),
          List.of(),
          List.of(List.of("content_sha256")));

  /** An earlier import of the same export. */
  record Entry(long targetExperimentId, LocalDateTime importedAt) {}

  private ImportLedger() {}

  /**
   * Creates the table when missing, once an import has passed every check: on an engine whose DDL
   * takes part in transactions, on the import's connection (a refused import leaves no table);
   * elsewhere on a connection of its own, as DDL would end the import's transaction.
   */
  static void ensure(Database db, Connection c) throws SQLException {
    if (!db.dialect().supportsTransactionalDdl()) {
      db.ensureTables(List.of(MODEL));
    } else if (!present(db, c)) {
      for (String sql : io.expmgr.db.Ddl.createTable(MODEL, db.dialect())) {
        io.expmgr.db.Dialect.execute(c, sql);
      }
    }
  }

  /** Whether the target has the table (a target that never imported has not). */
  static boolean present(Database db, Connection c) throws SQLException {
    return db.existingTables(c).contains(TABLE.toUpperCase(java.util.Locale.ROOT));
  }

  /**
   * The earlier import of this export whose experiment still exists (one deleted since does not
   * count), read with a locking read so a concurrent import of the same file waits for ours.
   */
  static Optional<Entry> find(
      Connection c, Dialect d, String sourceIdentity, long sourceExperimentId, String sha)
      throws SQLException {
    String sql =
        "SELECT l.target_experiment_id, l.imported_at FROM "
            + d.quote(TABLE)
            + " l JOIN "
            + d.quote("EXPERIMENT")
            + " e ON e.id = l.target_experiment_id"
            + " WHERE l.content_sha256 = ? AND l.source_experiment_id = ? AND l.source_identity = ?"
            + " ORDER BY l.id"
            + d.lockingReadSuffix();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, sha);
      ps.setLong(2, sourceExperimentId);
      ps.setString(3, sourceIdentity);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return Optional.of(new Entry(rs.getLong(1), d.getTime(rs, 2)));
        }
      }
    }
    return Optional.empty();
  }

  static void record(
      Connection c,
      Dialect d,
      String sourceIdentity,
      long sourceExperimentId,
      String sha,
      long targetExperimentId)
      throws SQLException {
    List<String> columns = MODEL.columnNames().subList(1, MODEL.columns().size());
    try (PreparedStatement ps = c.prepareStatement(Sql.insert(MODEL, columns, d))) {
      ps.setString(1, sourceIdentity);
      ps.setLong(2, sourceExperimentId);
      ps.setString(3, sha);
      ps.setLong(4, targetExperimentId);
      d.setTime(ps, 5, io.expmgr.db.Times.normalize(LocalDateTime.now()));
      ps.executeUpdate();
    }
  }
}
