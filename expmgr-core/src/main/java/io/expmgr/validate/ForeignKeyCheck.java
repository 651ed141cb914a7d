package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Table;
import io.expmgr.internal.LongBitSet;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every foreign key of the schema model, composite ones included. Each child table is read once: by
 * the engine's own checker where the database declares its keys (SQLite's {@code PRAGMA
 * foreign_key_check}, which names the offending rows, so the sample is read by row id), else by one
 * streamed pass of key probes ({@link MissingParents}) returning only the offending rows. The
 * tracker's links to epoch N (its final test metrics, on purpose) are not violations here: the
 * hierarchy check counts them.
 */
final class ForeignKeyCheck implements ValidationCheck {
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
      entry.put(
          "sample",
          counted.sample() != null
              ? counted.sample()
              : sample(db, t, counted, context.sampleSize()));
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
  private record Counted(
      long[] perKey,
      long rows,
      Map<ForeignKey, List<Long>> rowIds,
      List<Map<String, Object>> sample) {
    Counted(long[] perKey, long rows, Map<ForeignKey, List<Long>> rowIds) {
      this(perKey, rows, rowIds, null);
    }
  }

  private static Counted count(Database db, Table t, int sampleSize) {
    Dialect d = db.dialect();
    int n = t.foreignKeys().size();
    Dialect.MissingParentRows fast = db.withConnection(c -> d.countMissingParents(c, t));
    if (fast != null && fast.rowIds() != null) {
      return fromRowIds(db, t, fast);
    }
    boolean[] test = new boolean[n];
    boolean any = false;
    for (int i = 0; i < n; i++) {
      // The engine's checker (rows without ids) says which keys to test; else every key.
      test[i] = fast == null || fast.counts().getOrDefault(t.foreignKeys().get(i), 0L) > 0;
      any |= test[i];
    }
    return any ? streamed(db, t, test, sampleSize) : new Counted(new long[n], 0, null, List.of());
  }

  /**
   * One pass over the table returning only the rows that break a tested key, each with a flag per
   * key: exact counts per key and in all (epoch N taken out) and the first rows as the sample.
   */
  private static Counted streamed(Database db, Table t, boolean[] test, int sampleSize) {
    Dialect d = db.dialect();
    int n = t.foreignKeys().size();
    List<String> columns = t.columnNames();
    StringBuilder sql = new StringBuilder("SELECT ");
    for (String col : columns) {
      sql.append("c.").append(d.quote(col)).append(", ");
    }
    List<String> tested = new ArrayList<>();
    List<Integer> keyOf = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (test[i]) {
        String v = MissingParents.violation(t, t.foreignKeys().get(i), d, "c");
        tested.add(v);
        keyOf.add(i);
      }
    }
    for (int k = 0; k < tested.size(); k++) {
      sql.append(k > 0 ? ", " : "").append("CASE WHEN ").append(tested.get(k));
      sql.append(" THEN 1 ELSE 0 END");
    }
    sql.append(" FROM ").append(d.quote(t.name())).append(" c WHERE ");
    sql.append(String.join(" OR ", tested));
    return db.withConnection(
        c -> {
          long[] perKey = new long[n];
          long rows = 0;
          List<Map<String, Object>> sample = new ArrayList<>();
          try (PreparedStatement ps = d.prepareStreaming(c, SqlChecks.observed(sql.toString()));
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rows++;
              for (int k = 0; k < keyOf.size(); k++) {
                if (rs.getInt(columns.size() + 1 + k) != 0) {
                  perKey[keyOf.get(k)]++;
                }
              }
              if (sample.size() < sampleSize) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                  row.put(
                      columns.get(i).toLowerCase(java.util.Locale.ROOT),
                      SqlChecks.plain(rs.getObject(i + 1)));
                }
                sample.add(row);
              }
            }
          }
          return new Counted(perKey, rows, null, sample);
        });
  }

  /**
   * Counts from the row ids the engine named: the tracker's links to epoch N are taken out by id
   * (one indexed join over the final epochs), and a row missing two parents counts once, with no
   * second scan of the table.
   */
  private static Counted fromRowIds(Database db, Table t, Dialect.MissingParentRows fast) {
    Dialect d = db.dialect();
    int n = t.foreignKeys().size();
    long[] perKey = new long[n];
    LongBitSet rows = new LongBitSet();
    Map<ForeignKey, List<Long>> kept = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      ForeignKey fk = t.foreignKeys().get(i);
      LongBitSet ids = fast.rowIds().get(fk);
      List<Long> first = new ArrayList<>();
      kept.put(fk, first);
      if (ids == null || ids.size() == 0) {
        continue;
      }
      LongBitSet finals =
          MissingParents.isEpochLink(t, fk)
              ? SqlChecks.ids(
                  db, "SELECT " + d.rowId("c") + MissingParents.finalEpochLinksFrom(t, fk, d))
              : new LongBitSet();
      for (long id = ids.next(0); id >= 0; id = ids.next(id + 1)) {
        if (!finals.contains(id)) {
          perKey[i]++;
          rows.add(id);
          if (first.size() < ROW_IDS_KEPT) {
            first.add(id);
          }
        }
      }
    }
    return new Counted(perKey, rows.size(), kept);
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
        if (found.isEmpty()) {
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
                  // Ids that cover all were checked one by one (epoch N taken out): no retest.
                  + (idsCoverAll ? "" : " AND (" + where + ")"),
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

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
