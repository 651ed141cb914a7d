package io.expmgr.validate;

import io.expmgr.DataAccessException;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes rows whose parent is missing, and then the rows that lose their parent by that (an
 * orphaned run's epochs, its epochs' metric links), children before parents, round after round
 * until every foreign key holds. One transaction: all of it or none. A dry run does the same and
 * rolls back, so it reports exactly what a real run would remove.
 *
 * <p>Only rows that break a foreign key go; metrics and artifacts themselves have no parent and
 * stay, even when nothing links to them any more (validation reports those as warnings). The
 * tracker's links to epoch N of a run that exists (its final test metrics) are kept: they break the
 * declared key on purpose.
 */
public final class OrphanCleaner {
  private static final Logger log = LoggerFactory.getLogger(OrphanCleaner.class);
  private static final int MAX_PASSES = 100;

  private final Database db;
  private final int sampleSize;

  public OrphanCleaner(Database db, int sampleSize) {
    this.db = db;
    this.sampleSize = sampleSize;
  }

  public CleanupResult cleanup(boolean dryRun) {
    if (!dryRun) {
      db.requireWritable("cleanup-orphans");
      db.requireIntact();
    }
    long t0 = System.nanoTime();
    Dialect d = db.dialect();
    Map<String, Long> deleted = new LinkedHashMap<>();
    Map<String, List<Map<String, Object>>> sample = new LinkedHashMap<>();
    int passes = 0;
    try (Connection c = db.connect()) {
      // Parents and children of an orphaned branch go in one transaction; InnoDB would check
      // each statement on its own.
      d.suspendForeignKeyChecks(c);
      c.setAutoCommit(false);
      try {
        List<Table> childrenFirst =
            new ArrayList<>(io.expmgr.schema.SchemaMigrator.schemaOf(db).tables());
        java.util.Collections.reverse(childrenFirst);
        long removedThisPass;
        do {
          if (++passes > MAX_PASSES) {
            throw new DataAccessException(
                "orphan cleanup did not settle after " + MAX_PASSES + " rounds");
          }
          removedThisPass = 0;
          for (Table t : childrenFirst) {
            if (t.foreignKeys().isEmpty()) {
              continue;
            }
            String table = d.quote(t.name());
            List<String> conditions = new ArrayList<>();
            for (ForeignKey fk : t.foreignKeys()) {
              conditions.add(MissingParents.violation(t, fk, d, table));
            }
            String where = " WHERE " + String.join(" OR ", conditions);
            collectSample(c, t, where, sample);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + where)) {
              int n = ps.executeUpdate();
              if (n > 0) {
                deleted.merge(t.name(), (long) n, Long::sum);
                removedThisPass += n;
              }
            }
          }
        } while (removedThisPass > 0);
        if (dryRun) {
          c.rollback();
        } else {
          c.commit();
        }
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        d.resumeForeignKeyChecks(c);
      }
    } catch (SQLException e) {
      throw new DataAccessException(db.describe(e), e);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    log.info(
        "{} orphans of {}: {} in {} rounds, {} ms",
        dryRun ? "would remove" : "removed",
        db.identity(),
        deleted,
        passes,
        ms);
    return new CleanupResult(db.identity(), dryRun, deleted, sample, passes, null, ms);
  }

  private void collectSample(
      Connection c, Table t, String where, Map<String, List<Map<String, Object>>> sample)
      throws SQLException {
    List<Map<String, Object>> rows = sample.computeIfAbsent(t.name(), k -> new ArrayList<>());
    int room = sampleSize - rows.size();
    if (room <= 0) {
      return;
    }
    Dialect d = db.dialect();
    String cols = String.join(", ", t.columnNames().stream().map(d::quote).toList());
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + cols + " FROM " + d.quote(t.name()) + where + " LIMIT " + room);
        ResultSet rs = ps.executeQuery()) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnLabel(i), SqlChecks.plain(rs.getObject(i)));
        }
        rows.add(row);
      }
    }
    if (rows.isEmpty()) {
      sample.remove(t.name());
    }
  }
}
