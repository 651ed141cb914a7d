package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.internal.LongBitSet;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Metrics and artifacts that nothing links to (orphans in the FAQ's sense): harmless to queries,
 * but usually left behind by deletions. Warnings. The tables and links come from the schema model:
 * every table without foreign keys of its own that only link tables refer to.
 */
final class UnlinkedRowsCheck implements ValidationCheck {
  /** Above this, linked ids are too sparse to hold as bits: the check runs in SQL instead. */
  private static final long MAX_SET_BYTES = 64L << 20;

  public static final String NAME = "orphans";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ValidationContext context) {
    Database db = context.database();
    Dialect d = db.dialect();
    Schema schema = context.schema();
    Map<String, Object> details = new LinkedHashMap<>();
    List<Map<String, Object>> sample = new ArrayList<>();
    long issues = 0;
    for (Table target : schema.tables()) {
      List<Table> links = schema.childrenOf(target.name());
      if (!target.foreignKeys().isEmpty()
          || links.isEmpty()
          || !links.stream().allMatch(Table::isLinkTable)) {
        continue;
      }
      String kind = "unlinked_" + target.name().toLowerCase(Locale.ROOT) + "s";
      int room = Math.max(0, context.sampleSize() - sample.size());
      List<Map<String, Object>> found = new ArrayList<>();
      long n = unlinkedByIds(db, target, links, room, found);
      if (n < 0) {
        String sql = unlinkedSql(d, target, links);
        n = SqlChecks.count(db, sql);
        found = n > 0 ? SqlChecks.sample(db, sql, room) : List.of();
      }
      details.put(kind, n);
      issues += n;
      for (Map<String, Object> row : found) {
        Map<String, Object> withKind = new LinkedHashMap<>();
        withKind.put("kind", kind);
        withKind.putAll(row);
        sample.add(withKind);
      }
    }
    if (issues == 0) {
      return new CheckResult(
          NAME,
          Status.PASS,
          0,
          "every metric and artifact is linked",
          details,
          List.of(),
          List.of(),
          0);
    }
    return new CheckResult(
        NAME,
        Status.WARN,
        issues,
        issues + " rows nothing links to",
        details,
        sample,
        List.of(),
        0);
  }

  /** The id columns of {@code links} that refer to {@code target}, as (table, column) pairs. */
  private static List<String[]> linkColumns(Table target, List<Table> links) {
    List<String[]> out = new ArrayList<>();
    for (Table link : links) {
      for (ForeignKey fk : link.foreignKeys()) {
        if (fk.parentTable().equals(target.name())) {
          out.add(new String[] {link.name(), fk.columns().get(0)});
        }
      }
    }
    return out;
  }

  /**
   * Counts (and samples) the unlinked rows from the linked ids held one bit each: one streamed pass
   * per link table and one over the target, whatever indexes the database has. Returns -1 when the
   * ids are too sparse for bits (the set would outgrow {@link #MAX_SET_BYTES}).
   */
  private static long unlinkedByIds(
      Database db, Table target, List<Table> links, int room, List<Map<String, Object>> sample) {
    Dialect d = db.dialect();
    return db.withConnection(
        c -> {
          LongBitSet linked = new LongBitSet();
          for (String[] lc : linkColumns(target, links)) {
            String col = d.quote(lc[1]);
            String sql =
                "SELECT " + col + " FROM " + d.quote(lc[0]) + " WHERE " + col + " IS NOT NULL";
            try (PreparedStatement ps = d.prepareStreaming(c, sql);
                ResultSet rs = ps.executeQuery()) {
              long rows = 0;
              while (rs.next()) {
                long id = rs.getLong(1);
                if (id >= 0) {
                  linked.add(id);
                }
                if ((++rows & 0xFFFF) == 0 && linked.bytes() > MAX_SET_BYTES) {
                  return -1L;
                }
              }
            }
          }
          if (linked.bytes() > MAX_SET_BYTES) {
            return -1L;
          }
          long n = 0;
          String sql =
              "SELECT "
                  + d.quote("id")
                  + ", "
                  + d.quote("type")
                  + " FROM "
                  + d.quote(target.name());
          try (PreparedStatement ps = d.prepareStreaming(c, sql);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              long id = rs.getLong(1);
              if (rs.wasNull() || id < 0 || !linked.contains(id)) {
                n++;
                if (sample.size() < room) {
                  Map<String, Object> row = new LinkedHashMap<>();
                  row.put("id", SqlChecks.plain(rs.getObject(1)));
                  row.put("type", SqlChecks.plain(rs.getObject(2)));
                  sample.add(row);
                }
              }
            }
          }
          return n;
        });
  }

  /** The same count in SQL: each link table's ids read once into a temporary index. */
  private static String unlinkedSql(Dialect d, Table target, List<Table> links) {
    List<String> conditions = new ArrayList<>();
    for (String[] lc : linkColumns(target, links)) {
      String col = d.quote(lc[1]);
      conditions.add(
          "m."
              + d.quote("id")
              + " NOT IN (SELECT "
              + col
              + " FROM "
              + d.quote(lc[0])
              + " WHERE "
              + col
              + " IS NOT NULL)");
    }
    return "SELECT m."
        + d.quote("id")
        + " AS id, m."
        + d.quote("type")
        + " AS type FROM "
        + d.quote(target.name())
        + " m WHERE "
        + String.join(" AND ", conditions);
  }
}
