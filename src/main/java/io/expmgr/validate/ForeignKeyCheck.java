package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Table;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every foreign key of the schema model, composite ones included, as set-based anti-joins: one scan
 * of each child table counts the rows whose parent is missing, per key; a second, bounded query
 * samples them only when there are any.
 */
public final class ForeignKeyCheck implements ValidationCheck {
  public static final String NAME = "foreign_keys";

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
      List<String> conditions = new ArrayList<>();
      for (ForeignKey fk : t.foreignKeys()) {
        conditions.add(missingParent(fk, d));
      }
      long[] counts = perKeyCounts(db, t, conditions);
      long rows = counts[conditions.size()];
      if (rows == 0) {
        continue;
      }
      total += rows;
      Map<String, Long> perKey = new LinkedHashMap<>();
      List<String> violated = new ArrayList<>();
      for (int i = 0; i < conditions.size(); i++) {
        if (counts[i] > 0) {
          perKey.put(t.foreignKeys().get(i).describe(), counts[i]);
          // Sampling tests only the keys that failed: a cheaper scan.
          violated.add(conditions.get(i));
        }
      }
      String sampleSql =
          "SELECT "
              + String.join(", ", t.columnNames().stream().map(col -> "c." + d.quote(col)).toList())
              + " FROM "
              + d.quote(t.name())
              + " c WHERE "
              + String.join(" OR ", violated);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("count", rows);
      entry.put("by_foreign_key", perKey);
      entry.put("sample", SqlChecks.sample(db, sampleSql, context.sampleSize()));
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

  /** SQL true when row {@code c} has non-null key columns and no parent row. */
  static String missingParent(ForeignKey fk, Dialect d) {
    return missingParent(fk, d, "c");
  }

  /** The same, with the child row named {@code child} (an alias or the table itself). */
  static String missingParent(ForeignKey fk, Dialect d, String child) {
    List<String> notNull = new ArrayList<>();
    List<String> join = new ArrayList<>();
    for (int i = 0; i < fk.columns().size(); i++) {
      notNull.add(child + "." + d.quote(fk.columns().get(i)) + " IS NOT NULL");
      join.add(
          "p."
              + d.quote(fk.parentColumns().get(i))
              + " = "
              + child
              + "."
              + d.quote(fk.columns().get(i)));
    }
    return "("
        + String.join(" AND ", notNull)
        + " AND NOT EXISTS (SELECT 1 FROM "
        + d.quote(fk.parentTable())
        + " p WHERE "
        + String.join(" AND ", join)
        + "))";
  }

  /**
   * Rows with a missing parent per key, then the rows with any (last element). Uses the engine's
   * own checker when it has one, else one anti-join scan of the table for all keys.
   */
  private static long[] perKeyCounts(Database db, Table t, List<String> conditions) {
    int n = conditions.size();
    Map<ForeignKey, Long> fast = db.withConnection(c -> db.dialect().countMissingParents(c, t));
    if (fast != null) {
      long[] out = new long[n + 1];
      int keysWithRows = 0;
      for (int i = 0; i < n; i++) {
        out[i] = fast.getOrDefault(t.foreignKeys().get(i), 0L);
        if (out[i] > 0) {
          keysWithRows++;
          out[n] = out[i];
        }
      }
      if (keysWithRows <= 1) {
        return out;
      }
      // A row may miss two parents: count rows, not violations.
      out[n] =
          counts(
              db,
              "SELECT count(*) FROM "
                  + db.dialect().quote(t.name())
                  + " c WHERE "
                  + String.join(" OR ", conditions),
              1)[0];
      return out;
    }
    StringBuilder sql = new StringBuilder("SELECT ");
    for (String condition : conditions) {
      sql.append("SUM(CASE WHEN ").append(condition).append(" THEN 1 ELSE 0 END), ");
    }
    sql.append("SUM(CASE WHEN ")
        .append(String.join(" OR ", conditions))
        .append(" THEN 1 ELSE 0 END) FROM ")
        .append(db.dialect().quote(t.name()))
        .append(" c");
    return counts(db, sql.toString(), n + 1);
  }

  private static long[] counts(Database db, String sql, int n) {
    return db.withConnection(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql);
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
              out[i] = rs.getLong(i + 1);
            }
            return out;
          }
        });
  }
}
