package io.expmgr.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kinds of ids of the hierarchy (experiment, trial, run, metric, artifact) and the columns that
 * hold them: a run's id is also {@code RESULTS.trial_run_id}, {@code RESULTS_METRIC.results_id},
 * {@code EPOCH_METRIC.epoch_trial_run_id} and {@code BATCH.trial_run_id}, whatever parent their
 * foreign keys name.
 */
public final class IdKinds {
  private IdKinds() {}

  /** The kinds, parents first. */
  public static final List<String> ALL =
      List.of("EXPERIMENT", "TRIAL", "TRIAL_RUN", "METRIC", "ARTIFACT");

  /** The kind of id a column of a table holds, or null. */
  public static String of(String table, String column) {
    if (column.equals("id")) {
      return ALL.contains(table) ? table : null;
    }
    return switch (column) {
      case "experiment_id" -> "EXPERIMENT";
      case "trial_id" -> "TRIAL";
      case "trial_run_id", "results_id", "epoch_trial_run_id" -> "TRIAL_RUN";
      case "metric_id" -> "METRIC";
      case "artifact_id" -> "ARTIFACT";
      default -> null;
    };
  }

  /** Every (table, column) of the schema that holds ids of a kind, the kind's own table first. */
  public static List<String[]> columnsOf(Schema schema, String kind) {
    List<String[]> out = new ArrayList<>();
    for (Table t : schema.tables()) {
      for (Column c : t.columns()) {
        if (kind.equals(of(t.name(), c.name()))) {
          if (t.name().equals(kind)) {
            out.add(0, new String[] {t.name(), c.name()});
          } else {
            out.add(new String[] {t.name(), c.name()});
          }
        }
      }
    }
    return out;
  }

  /**
   * Per kind, the first id above every id of it and every reference to one in the database: an id
   * whose row was deleted but whose orphans remain must not be given out again, or the orphans
   * would join what is written with it. A column an index starts with is read from the index (one
   * max() each); the others of a table in one pass (users' databases index few of them).
   */
  public static Map<String, Long> nextIds(
      Connection c, Dialect d, Schema schema, Catalog catalog, String lockingSuffix)
      throws SQLException {
    Map<String, Long> max = new LinkedHashMap<>();
    ALL.forEach(k -> max.put(k, 0L));
    try (var st = c.createStatement()) {
      for (Table t : schema.tables()) {
        Catalog.TableInfo info = catalog.table(t.name()).orElse(null);
        if (info == null) {
          continue;
        }
        Set<String> leads = new HashSet<>();
        if (!info.primaryKey().isEmpty()) {
          leads.add(info.primaryKey().get(0).toLowerCase(java.util.Locale.ROOT));
        }
        info.indexes()
            .forEach(i -> leads.add(i.columns().get(0).toLowerCase(java.util.Locale.ROOT)));
        List<String> scanned = new ArrayList<>();
        for (Column col : t.columns()) {
          String kind = of(t.name(), col.name());
          if (kind == null) {
            continue;
          }
          if (!leads.contains(col.name().toLowerCase(java.util.Locale.ROOT))) {
            scanned.add(col.name());
            continue;
          }
          boolean locking =
              ALL.contains(t.name()) && col.name().equals("id") && !lockingSuffix.isEmpty();
          if (locking) {
            max.merge(kind, d.lockingMax(c, t.name(), col.name()), Math::max);
            continue;
          }
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT max(" + d.quote(col.name()) + ") FROM " + d.quote(t.name()))) {
            rs.next();
            max.merge(kind, rs.getLong(1), Math::max);
          }
        }
        if (!scanned.isEmpty()) {
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT "
                      + scanned.stream()
                          .map(col -> "max(" + d.quote(col) + ")")
                          .collect(Collectors.joining(", "))
                      + " FROM "
                      + d.quote(t.name()))) {
            rs.next();
            for (int i = 0; i < scanned.size(); i++) {
              max.merge(of(t.name(), scanned.get(i)), rs.getLong(i + 1), Math::max);
            }
          }
        }
      }
    }
    Map<String, Long> next = new LinkedHashMap<>();
    max.forEach((k, v) -> next.put(k, v + 1));
    return next;
  }
}
