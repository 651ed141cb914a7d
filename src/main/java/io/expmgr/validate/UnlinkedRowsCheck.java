package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics and artifacts that nothing links to (orphans in the FAQ's sense): harmless to queries,
 * but usually left behind by deletions. Warnings. The tables and links come from the schema model:
 * every table without foreign keys of its own that only link tables refer to.
 */
public final class UnlinkedRowsCheck implements ValidationCheck {
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
      List<String> conditions = new ArrayList<>();
      // Uncorrelated: each link table's ids are read once into a temporary index, whatever
      // indexes the database has (users' databases have none on metric_id or artifact_id).
      for (Table link : links) {
        for (ForeignKey fk : link.foreignKeys()) {
          if (fk.parentTable().equals(target.name())) {
            String col = d.quote(fk.columns().get(0));
            conditions.add(
                "m."
                    + d.quote(fk.parentColumns().get(0))
                    + " NOT IN (SELECT "
                    + col
                    + " FROM "
                    + d.quote(link.name())
                    + " WHERE "
                    + col
                    + " IS NOT NULL)");
          }
        }
      }
      String sql =
          "SELECT m."
              + d.quote("id")
              + " AS id, m."
              + d.quote("type")
              + " AS type FROM "
              + d.quote(target.name())
              + " m WHERE "
              + String.join(" AND ", conditions);
      String kind = "unlinked_" + target.name().toLowerCase() + "s";
      long n = SqlChecks.count(db, sql);
      details.put(kind, n);
      issues += n;
      if (n > 0) {
        for (Map<String, Object> row :
            SqlChecks.sample(db, sql, Math.max(0, context.sampleSize() - sample.size()))) {
          Map<String, Object> withKind = new LinkedHashMap<>();
          withKind.put("kind", kind);
          withKind.putAll(row);
          sample.add(withKind);
        }
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
}
