package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every foreign key of the schema model, composite ones included. Each child table is read once: by
 * the engine's own checker where the database declares its keys (SQLite's {@code PRAGMA
 * foreign_key_check}, which also names the first offending rows, so the sample is read by row id),
 * else by one set-based anti-join per table ({@link MissingParents}). The tracker's links to epoch
 * N (its final test metrics, on purpose) are not violations here: the hierarchy check counts them.
 */
public final class ForeignKeyCheck implements ValidationCheck {
  private static final Logger log = LoggerFactory.getLogger(ForeignKeyCheck.class);

  public static final String NAME = "foreign_keys";

  /** Offending row ids kept per key, to read a sample without a second scan. */
  private static final int ROW_IDS_KEPT = 256;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ValidationContext context) {
    Database db = context.database();
    Dialect d = db.dialect();
    Map<String, Object> byTable = new LinkedHashMap<>();
    long total = 0;
    for (Table t : context.schema().tables()) {
      if (t.foreignKeys().isEmpty()) {
        continue;
      }
      long t0 = System.nanoTime();
      Counted counted = count(db, t, context.sampleSize());
      long rows = counted.rows();
      log.debug("foreign keys of {}: {} rows in {} ms", t.name(), rows, millis(t0));
      if (rows == 0) {
        continue;
      }
      total += rows;
      Map<String, Long> perKey = new LinkedHashMap<>();
      for (int i = 0; i < t.foreignKeys().size(); i++) {
        if (counted.perKey()[i] > 0) {
          perKey.put(t.foreignKeys().get(i).describe(), counted.perKey()[i]);
        }
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("count", rows);
      entry.put("by_foreign_key", perKey);
      entry.put("sample", sample(db, t, counted, context.sampleSize()));
      byTable.put(t.name(), entry);
    }
    if (total == 0) {
      return CheckResult.pass(NAME, "every foreign key holds");
    }
    return new CheckResult(
        NAME,
        Status.FAIL,
        total,
        total + " rows in " + byTable.size() + " tables have a missing parent",
        byTable,
        List.of(),
        List.of(),
        0);
  }

  /**
   * Violations per key and in all (a row may miss two parents: rows, not violations), with the row
   * ids of the first offenders per key when the engine names them (null otherwise).
   */
  private record Counted(long[] perKey, long rows, Map<ForeignKey, List<Long>> rowIds) {}

  private static Counted count(Database db, Table t, int sampleSize) {
    Dialect d = db.dialect();
    int n = t.foreignKeys().size();
    List<String> conditions = new ArrayList<>();
    for (ForeignKey fk : t.foreignKeys()) {
      conditions.add(MissingParents.violation(t, fk, d, "c"));
    }
    Dialect.MissingParentRows fast =
        db.withConnection(c -> d.countMissingParents(c, t, Math.max(ROW_IDS_KEPT, 2 * sampleSize)));
    long[] perKey;
    if (fast != null) {
      perKey = new long[n];
      int keysWithRows = 0;
      long rows = 0;
      for (int i = 0; i < n; i++) {
        ForeignKey fk = t.foreignKeys().get(i);
        perKey[i] = fast.counts().getOrDefault(fk, 0L);
        if (perKey[i] > 0 && MissingParents.isEpochLink(t, fk)) {
          // The engine counts the tracker's links to epoch N too: take them out.
          perKey[i] -= single(db, "SELECT count(*)" + MissingParents.finalEpochLinksFrom(t, fk, d));
        }
        if (perKey[i] > 0) {
          keysWithRows++;
          rows = perKey[i];
        }
      }
      if (keysWithRows > 1) {
        rows =
            single(
                db,
                "SELECT count(*) FROM "
                    + d.quote(t.name())
                    + " c WHERE "
                    + String.join(" OR ", conditions));
      }
      return new Counted(perKey, rows, fast.rowIds());
    }
    StringBuilder sql = new StringBuilder("SELECT ");
    for (String condition : conditions) {
      sql.append("SUM(CASE WHEN ").append(condition).append(" THEN 1 ELSE 0 END), ");
    }
    sql.append("SUM(CASE WHEN ")
        .append(String.join(" OR ", conditions))
        .append(" THEN 1 ELSE 0 END) FROM ")
        .append(d.quote(t.name()))
        .append(" c");
    long[] all = counts(db, sql.toString(), n + 1);
    perKey = java.util.Arrays.copyOf(all, n);
    return new Counted(perKey, all[n], null);
  }

  /**
   * Up to {@code size} offending rows: read by row id when the engine named them (a few lookups),
   * else by a bounded scan.
   */
  private static List<Map<String, Object>> sample(Database db, Table t, Counted counted, int size) {
    Dialect d = db.dialect();
    long t0 = System.nanoTime();
    String columns =
        String.join(", ", t.columnNames().stream().map(col -> "c." + d.quote(col)).toList());
    List<String> violated = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    boolean idsCoverAll = counted.rowIds() != null;
    for (int i = 0; i < t.foreignKeys().size(); i++) {
      if (counted.perKey()[i] == 0) {
        continue;
      }
      ForeignKey fk = t.foreignKeys().get(i);
      // Sampling tests only the keys that failed: a cheaper scan.
      violated.add(MissingParents.violation(t, fk, d, "c"));
      if (counted.rowIds() != null) {
        List<Long> found = counted.rowIds().getOrDefault(fk, List.of());
        ids.addAll(found);
        // The ids named may all be links to epoch N; then they may not hold a true violation.
        if (found.isEmpty() || MissingParents.isEpochLink(t, fk)) {
          idsCoverAll = false;
        }
      }
    }
    String where = String.join(" OR ", violated);
    String byIds = ids.isEmpty() ? null : d.rowIdIn("c", ids.stream().distinct().toList());
    List<Map<String, Object>> rows = List.of();
    if (byIds != null) {
      rows =
          SqlChecks.sample(
              db,
              "SELECT "
                  + columns
                  + " FROM "
                  + d.quote(t.name())
                  + " c WHERE "
                  + byIds
                  + " AND ("
                  + where
                  + ")",
              size);
    }
    if (rows.size() < Math.min(size, counted.rows()) && !idsCoverAll) {
      rows =
          SqlChecks.sample(
              db, "SELECT " + columns + " FROM " + d.quote(t.name()) + " c WHERE " + where, size);
    }
    log.debug("foreign keys of {}: sampled in {} ms", t.name(), millis(t0));
    return rows;
  }

  private static long single(Database db, String sql) {
    return counts(db, sql, 1)[0];
  }

  private static long[] counts(Database db, String sql, int n) {
    return SqlChecks.longs(db, sql, n);
  }

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
