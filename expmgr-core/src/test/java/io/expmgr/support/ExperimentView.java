package io.expmgr.support;

import io.expmgr.db.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An experiment as rows, read independently of expmgr's code: every row of every table of its
 * hierarchy (the batch level and links at every level included, links to rows that do not exist
 * left out) with all its columns, each id replaced by its rank among the experiment's ids of its
 * kind and each value with its type. Two experiments with the same rows and the same text compare
 * equal whatever their ids and whichever database holds them.
 */
public final class ExperimentView {
  private ExperimentView() {}

  /** The column of each table that ties a row to the experiment, and what it names. */
  private static final Map<String, String[]> OWNER = new LinkedHashMap<>();

  static {
    OWNER.put("TRIAL", new String[] {"experiment_id", "E"});
    OWNER.put("TRIAL_RUN", new String[] {"trial_id", "T"});
    OWNER.put("RESULTS", new String[] {"trial_run_id", "R"});
    OWNER.put("EPOCH", new String[] {"trial_run_id", "R"});
    OWNER.put("BATCH", new String[] {"trial_run_id", "R"});
    OWNER.put("EXPERIMENT_METRIC", new String[] {"experiment_id", "E"});
    OWNER.put("EXPERIMENT_ARTIFACT", new String[] {"experiment_id", "E"});
    OWNER.put("TRIAL_METRIC", new String[] {"trial_id", "T"});
    OWNER.put("TRIAL_ARTIFACT", new String[] {"trial_id", "T"});
    OWNER.put("TRIAL_RUN_METRIC", new String[] {"trial_run_id", "R"});
    OWNER.put("TRIAL_RUN_ARTIFACT", new String[] {"trial_run_id", "R"});
    OWNER.put("RESULTS_METRIC", new String[] {"results_id", "R"});
    OWNER.put("RESULTS_ARTIFACT", new String[] {"results_id", "R"});
    OWNER.put("EPOCH_METRIC", new String[] {"epoch_trial_run_id", "R"});
    OWNER.put("EPOCH_ARTIFACT", new String[] {"epoch_trial_run_id", "R"});
    OWNER.put("BATCH_METRIC", new String[] {"trial_run_id", "R"});
    OWNER.put("BATCH_ARTIFACT", new String[] {"trial_run_id", "R"});
  }

  /** What kind of id a column holds (E, T, R, M, A), or null. */
  private static String kindOf(String table, String column) {
    return switch (column) {
      case "experiment_id" -> "E";
      case "trial_id" -> "T";
      case "trial_run_id", "results_id", "epoch_trial_run_id" -> "R";
      case "metric_id" -> "M";
      case "artifact_id" -> "A";
      case "id" ->
          switch (table) {
            case "EXPERIMENT" -> "E";
            case "TRIAL" -> "T";
            case "TRIAL_RUN" -> "R";
            case "METRIC" -> "M";
            case "ARTIFACT" -> "A";
            default -> null;
          };
      default -> null;
    };
  }

  /** The queries of the experiment's rows, all columns, per table present. */
  private static Map<String, String> queries(Connection c, long e) throws SQLException {
    List<String> present = new ArrayList<>();
    try (ResultSet rs =
        c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        present.add(rs.getString("TABLE_NAME").toUpperCase(Locale.ROOT));
      }
    }
    String trials = "(SELECT id FROM TRIAL WHERE experiment_id = " + e + ")";
    String runs = "(SELECT id FROM TRIAL_RUN WHERE trial_id IN " + trials + ")";
    Map<String, String> in = Map.of("E", "(" + e + ")", "T", trials, "R", runs);
    Map<String, String> q = new LinkedHashMap<>();
    q.put("EXPERIMENT", "SELECT * FROM EXPERIMENT WHERE id = " + e);
    List<String> metricIds = new ArrayList<>();
    List<String> artifactIds = new ArrayList<>();
    for (var o : OWNER.entrySet()) {
      String t = o.getKey();
      if (!present.contains(t)) {
        continue;
      }
      String where = o.getValue()[0] + " IN " + in.get(o.getValue()[1]);
      if (t.endsWith("_METRIC")) {
        where += " AND metric_id IN (SELECT id FROM METRIC)";
        metricIds.add("SELECT metric_id FROM " + t + " WHERE " + where);
      } else if (t.endsWith("_ARTIFACT")) {
        where += " AND artifact_id IN (SELECT id FROM ARTIFACT)";
        artifactIds.add("SELECT artifact_id FROM " + t + " WHERE " + where);
      }
      q.put(t, "SELECT * FROM " + t + " WHERE " + where);
    }
    q.put("METRIC", "SELECT * FROM METRIC WHERE id IN (" + String.join(" UNION ", metricIds) + ")");
    q.put(
        "ARTIFACT",
        "SELECT * FROM ARTIFACT WHERE id IN (" + String.join(" UNION ", artifactIds) + ")");
    return q;
  }

  /**
   * Every table of the experiment: rows as text, ids as ranks, each value with its Java type (the
   * storage class of SQLite), sorted. With {@code normalTimes}, a time's 'T' reads as a space (for
   * comparisons across engines).
   */
  public static Map<String, List<String>> of(Database db, long e, boolean normalTimes) {
    return db.withConnection(
        c -> {
          Map<String, List<List<Object>>> raw = new LinkedHashMap<>();
          Map<String, List<String>> columns = new HashMap<>();
          Map<String, SortedSet<Long>> ids = new HashMap<>();
          for (var q : queries(c, e).entrySet()) {
            List<List<Object>> rows = new ArrayList<>();
            try (var st = c.createStatement();
                ResultSet rs = st.executeQuery(q.getValue())) {
              List<String> cols = new ArrayList<>();
              for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                cols.add(rs.getMetaData().getColumnLabel(i).toLowerCase(Locale.ROOT));
              }
              columns.put(q.getKey(), cols);
              while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= cols.size(); i++) {
                  Object v = rs.getObject(i);
                  String k = kindOf(q.getKey(), cols.get(i - 1));
                  if (k != null && v != null) {
                    long id = ((Number) v).longValue();
                    ids.computeIfAbsent(k, x -> new TreeSet<>()).add(id);
                    v = id;
                  }
                  row.add(v);
                }
                rows.add(row);
              }
            }
            raw.put(q.getKey(), rows);
          }
          Map<String, List<String>> out = new TreeMap<>();
          for (var entry : raw.entrySet()) {
            List<String> cols = columns.get(entry.getKey());
            List<String> rows = new ArrayList<>();
            for (List<Object> row : entry.getValue()) {
              List<String> mapped = new ArrayList<>();
              for (int i = 0; i < row.size(); i++) {
                String k = kindOf(entry.getKey(), cols.get(i));
                Object v = row.get(i);
                String text;
                if (k != null && v != null) {
                  // An id no row of the experiment has (a link to epoch N's run is a run of the
                  // experiment; a missing one would show here as "?").
                  SortedSet<Long> all = ids.get(k);
                  text = all.contains(v) ? k + "#" + all.headSet((Long) v).size() : k + "?";
                } else if (v == null) {
                  text = "null";
                } else if (normalTimes) {
                  text = normal(v);
                } else {
                  text = v.getClass().getSimpleName() + ":" + v;
                }
                mapped.add(cols.get(i) + "=" + text);
              }
              rows.add(String.join(", ", mapped));
            }
            rows.sort(null);
            out.put(entry.getKey(), rows);
          }
          return out;
        });
  }

  /** A value across engines: numbers as numbers, times with a space. */
  private static String normal(Object v) {
    if (v instanceof Number n) {
      return String.valueOf(n.doubleValue());
    }
    String s = v.toString();
    return s.matches("\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?")
        ? s.replace('T', ' ').replaceAll("\\.0+$", "")
        : s;
  }
}
