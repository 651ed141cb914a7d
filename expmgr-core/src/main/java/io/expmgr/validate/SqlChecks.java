package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.internal.LongBitSet;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Counting and sampling helpers shared by the set-based checks. */
final class SqlChecks {
  private SqlChecks() {}

  /**
   * Sees every statement the checks run, before it runs; null in production. Tests use it to check
   * the engine's plan of each one (no scan inside a correlated subquery: that is a square).
   */
  static volatile java.util.function.Consumer<String> observer;

  static String observed(String sql) {
    var o = observer;
    if (o != null) {
      o.accept(sql);
    }
    return sql;
  }

  /** The first row of a query of {@code n} numbers (counts, sums). */
  static long[] longs(Database db, String sql, int n) {
    return db.withConnection(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(observed(sql));
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

  /** The ids of a one-column query, one bit each. */
  static LongBitSet ids(Database db, String sql) {
    return db.withConnection(
        c -> {
          LongBitSet out = new LongBitSet();
          try (PreparedStatement ps = c.prepareStatement(observed(sql));
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(rs.getLong(1));
            }
          }
          return out;
        });
  }

  /** {@code SELECT count(*)} of the rows a query returns. */
  static long count(Database db, String query, Object... params) {
    return db.withConnection(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(observed("SELECT count(*) FROM (" + query + ") x"))) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  /** At most {@code limit} rows of a query, as column-to-value maps. */
  static List<Map<String, Object>> sample(Database db, String query, int limit, Object... params) {
    if (limit == 0) {
      return List.of();
    }
    return db.withConnection(
        c -> {
          List<Map<String, Object>> rows = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(observed(query + " LIMIT " + limit))) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
              ResultSetMetaData md = rs.getMetaData();
              while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                  row.put(
                      md.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT),
                      plain(rs.getObject(i)));
                }
                rows.add(row);
              }
            }
          }
          return rows;
        });
  }

  /** A JDBC value as plain JSON-friendly data: integers as long, times as text. */
  static Object plain(Object v) {
    if (v == null || v instanceof String || v instanceof Double || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof java.math.BigDecimal b) {
      return b.doubleValue();
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof java.time.LocalDateTime t) {
      return io.expmgr.db.Times.format(t);
    }
    if (v instanceof java.sql.Timestamp t) {
      // Not its toString ("2024-01-01 00:00:02.0"): the form expmgr writes times in.
      return io.expmgr.db.Times.format(t.toLocalDateTime());
    }
    return v.toString();
  }

  private static void bind(PreparedStatement ps, Object... params) throws java.sql.SQLException {
    for (int i = 0; i < params.length; i++) {
      ps.setObject(i + 1, params[i]);
    }
  }

  /** Quotes through the dialect; short for building SQL. */
  static String q(Dialect d, String identifier) {
    return d.quote(identifier);
  }
}
