package io.expmgr.migrate;

import io.expmgr.db.Catalog;
import io.expmgr.db.Column;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.internal.LongBitSet;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What belongs to an experiment being copied, as SQL conditions in the source's dialect and as id
 * sets measured once per run: its trials and runs (ranges of consecutive ids), the metrics and
 * artifacts its link rows name, and the bounds of each table's rows. Rows that link to a missing
 * metric or artifact are outside it: the copy could not hold them.
 */
final class ExperimentScope {
  private static final List<String> OWNED = List.of("EXPERIMENT", "TRIAL", "TRIAL_RUN");

  /** The tables whose rows belong to the experiment through the link rows that name them. */
  private static final List<String> MEMBER_TABLES = List.of("METRIC", "ARTIFACT");

  private final Dialect sd;
  private final long experimentId;
  private final Schema schema;
  private final Catalog catalog;

  /** The experiment's trial and run ids as ranges of consecutive ids, fixed when a run starts. */
  private Map<String, List<long[]>> owned = new LinkedHashMap<>();

  /**
   * The experiment's metric and artifact ids: those its link rows name, of rows that exist. Read
   * once per run from the link tables (one pass each, whatever their indexes): a metric belongs to
   * the experiment through its links, and probing the links per metric is a scan per metric on
   * users' databases, which have no index on {@code metric_id}.
   */
  private Map<String, LongBitSet> members = new LinkedHashMap<>();

  /** Per member table (METRIC, ARTIFACT): its smallest and largest member id and their number. */
  private Map<String, long[]> memberBounds = new LinkedHashMap<>();

  /** Per link table, measured in the same pass: the bounds of its key's first column, its rows. */
  private Map<String, long[]> linkBounds = new LinkedHashMap<>();

  ExperimentScope(Dialect sd, long experimentId, Schema schema, Catalog catalog) {
    this.sd = sd;
    this.experimentId = experimentId;
    this.schema = schema;
    this.catalog = catalog;
  }

  /** Whether a table's rows belong to the experiment through the link rows naming them. */
  static boolean isMember(Table t) {
    return MEMBER_TABLES.contains(t.name());
  }

  /** The experiment's trial and run ids, as ranges of consecutive ids. */
  Map<String, List<long[]>> owned() {
    return owned;
  }

  /** Takes the trial and run ids a run recorded when it started (a resumed run). */
  void restoreOwned(Map<String, List<long[]>> ranges) {
    this.owned = ranges;
  }

  /**
   * The table's primary key in the source as declared there: the order its index walks in (the
   * tracker declares some keys in another order than expmgr's model).
   */
  List<String> pk(Table t) {
    List<String> declared = catalog.table(t.name()).orElseThrow().primaryKey();
    return declared.isEmpty() ? t.primaryKey() : declared;
  }

  private String q(String name) {
    return sd.quote(name);
  }

  /** More ranges than this are written as a subquery instead. */
  private static final int MAX_RANGES = 200;

  /** The subquery of the experiment's ids of an owner kind (the source's dialect). */
  private String ownedIdsQuery(String kind) {
    long e = experimentId;
    return switch (kind) {
      case "TRIAL" ->
          "SELECT " + q("id") + " FROM " + q("TRIAL") + " WHERE " + q("experiment_id") + " = " + e;
      case "TRIAL_RUN" ->
          "SELECT tr."
              + q("id")
              + " FROM "
              + q("TRIAL_RUN")
              + " tr JOIN "
              + q("TRIAL")
              + " t ON t."
              + q("id")
              + " = tr."
              + q("trial_id")
              + " WHERE t."
              + q("experiment_id")
              + " = "
              + e;
      default -> throw new IllegalArgumentException(kind);
    };
  }

  /**
   * The condition that a column holds one of the experiment's ids of a kind. Written as literal
   * ranges of consecutive ids: engines plan these as index ranges, where an IN subquery inside a
   * correlated EXISTS may be evaluated again for every row.
   */
  private String ownedCondition(String column, String kind) {
    if (kind.equals("EXPERIMENT")) {
      return column + " = " + experimentId;
    }
    List<long[]> ranges = owned.get(kind);
    if (ranges == null || ranges.size() > MAX_RANGES) {
      return column + " IN (" + ownedIdsQuery(kind) + ")";
    }
    return IdWindows.condition(column, ranges);
  }

  /** Reads the experiment's trial and run ids from the source, as ranges of consecutive ids. */
  void measureOwned(Connection src) throws SQLException {
    owned = new LinkedHashMap<>();
    for (String kind : List.of("TRIAL", "TRIAL_RUN")) {
      List<long[]> ranges = new ArrayList<>();
      try (var st = src.createStatement();
          ResultSet rs = st.executeQuery(ownedIdsQuery(kind) + " ORDER BY 1")) {
        long[] current = null;
        while (rs.next()) {
          long id = rs.getLong(1);
          if (current != null && id == current[1] + 1) {
            current[1] = id;
          } else {
            current = new long[] {id, id};
            ranges.add(current);
          }
        }
      }
      owned.put(kind, ranges);
    }
  }

  /** The column that ties a row to the experiment (through a trial or a run), or null. */
  private static String ownerColumn(Table t) {
    for (Column c : t.columns()) {
      String kind = ExperimentMigration.kindOf(t, c.name());
      if (!c.name().equals("id") && kind != null && OWNED.contains(kind)) {
        return c.name();
      }
    }
    return null;
  }

  /**
   * The condition on a row of {@code t} (alias {@code alias}) that it belongs to the experiment and
   * that every row it refers to exists: an orphan (a link to a deleted metric, say) is left behind,
   * since the copy could not hold it without breaking a foreign key.
   */
  String condition(Table t, String alias) {
    return condition(t, alias, false);
  }

  /**
   * As {@link #condition(Table, String)}; with {@code walking}, a condition on the first key column
   * is written so no index uses it (a unary plus): the walk's own bound on that column must be the
   * one the engine starts its index range from, or each batch rescans the experiment's start.
   */
  String condition(Table t, String alias, boolean walking) {
    if (MEMBER_TABLES.contains(t.name())) {
      throw new IllegalStateException(t.name() + " is read by its member ids");
    }
    List<String> parts = new ArrayList<>();
    String ownerScope = ownerScope(t, alias);
    if (walking && pk(t).get(0).equals(ownerColumn(t))) {
      ownerScope =
          ownerScope.replace(
              alias + "." + q(ownerColumn(t)), "+" + alias + "." + q(ownerColumn(t)));
    }
    parts.add(ownerScope);
    String owner = ownerColumn(t);
    for (io.expmgr.db.ForeignKey fk : t.foreignKeys()) {
      if (fk.columns().size() == 1 && fk.columns().get(0).equals(owner)) {
        continue; // the owner's ids were read from the parent table itself
      }
      if (!MEMBER_TABLES.contains(fk.parentTable())) {
        // A link to an epoch, a batch or results that do not exist is the tracker's own way of
        // saying "the last epoch" (or was left so): it is carried as the source holds it.
        continue;
      }
      List<String> eq = new ArrayList<>();
      for (int i = 0; i < fk.columns().size(); i++) {
        eq.add("p." + q(fk.parentColumns().get(i)) + " = " + alias + "." + q(fk.columns().get(i)));
      }
      parts.add(
          "EXISTS (SELECT 1 FROM "
              + q(fk.parentTable())
              + " p WHERE "
              + String.join(" AND ", eq)
              + ")");
    }
    return String.join(" AND ", parts);
  }

  private String ownerScope(Table t, String alias) {
    if (t.name().equals("EXPERIMENT")) {
      return alias + "." + q("id") + " = " + experimentId;
    }
    String owner = ownerColumn(t);
    if (owner != null) {
      return ownedCondition(alias + "." + q(owner), ExperimentMigration.kindOf(t, owner));
    }
    throw new IllegalStateException(t.name() + " has no owner column");
  }

  private List<Table> linksTo(String idColumn) {
    return schema.tables().stream()
        .filter(t -> t.column(idColumn).isPresent() && ownerColumn(t) != null)
        .toList();
  }

  /**
   * The smallest and largest first key column of the experiment's rows of a table and their number,
   * counted in the same pass; null when it has none.
   */
  long[] leadBounds(Connection c, Table t) throws SQLException {
    if (MEMBER_TABLES.contains(t.name()) || linkBounds.containsKey(t.name())) {
      long[] m =
          MEMBER_TABLES.contains(t.name()) ? memberBounds.get(t.name()) : linkBounds.get(t.name());
      return m == null || m[2] == 0 ? null : m.clone();
    }
    String lead = q(pk(t).get(0));
    try (var st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT min(x."
                    + lead
                    + "), max(x."
                    + lead
                    + "), count(*) FROM "
                    + q(t.name())
                    + " x WHERE "
                    + condition(t, "x"))) {
      rs.next();
      long lo = rs.getLong(1);
      return rs.wasNull() ? null : new long[] {lo, rs.getLong(2), rs.getLong(3)};
    }
  }

  String rangeCondition(Table t, String alias) {
    return alias + "." + q(pk(t).get(0)) + " BETWEEN ? AND ?";
  }

  /**
   * Reads which metrics and artifacts belong to the experiment: one pass over each link table,
   * joined to the metric or artifact by its primary key, so a link to a row that does not exist
   * names none.
   */
  void measureMembers(Connection src) throws SQLException {
    members = new LinkedHashMap<>();
    memberBounds = new LinkedHashMap<>();
    linkBounds = new LinkedHashMap<>();
    for (String table : MEMBER_TABLES) {
      String idColumn = table.equals("METRIC") ? "metric_id" : "artifact_id";
      LongBitSet set = new LongBitSet();
      long lo = Long.MAX_VALUE;
      long hi = Long.MIN_VALUE;
      for (Table link : linksTo(idColumn)) {
        String linkOwner = ownerColumn(link);
        long linkLo = Long.MAX_VALUE;
        long linkHi = Long.MIN_VALUE;
        long linkRows = 0;
        try (var st = src.createStatement()) {
          st.setFetchSize(10_000);
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT l."
                      + q(idColumn)
                      + ", l."
                      + q(pk(link).get(0))
                      + " FROM "
                      + q(link.name())
                      + " l JOIN "
                      + q(table)
                      + " m ON m."
                      + q("id")
                      + " = l."
                      + q(idColumn)
                      + " WHERE "
                      + ownedCondition(
                          "l." + q(linkOwner), ExperimentMigration.kindOf(link, linkOwner)))) {
            while (rs.next()) {
              long id = rs.getLong(1);
              set.add(id);
              lo = Math.min(lo, id);
              hi = Math.max(hi, id);
              long lead = rs.getLong(2);
              linkLo = Math.min(linkLo, lead);
              linkHi = Math.max(linkHi, lead);
              linkRows++;
            }
          }
        }
        // The link's rows in the experiment are exactly those read: its owner's and naming a row
        // that exists (its scope), so the pass measures the link table too.
        linkBounds.put(link.name(), new long[] {linkLo, linkHi, linkRows});
      }
      members.put(table, set);
      memberBounds.put(table, new long[] {lo, hi, set.size()});
    }
  }

  /**
   * The member ids of a batch: up to {@code n} of them after {@code afterId} (from the start when
   * null) and within the run's bounds, as ranges of consecutive ids ({@link IdWindows}). Empty when
   * none is left.
   */
  List<long[]> window(Table t, long[] b, Long afterId, int n) {
    if (b == null) {
      return List.of();
    }
    return IdWindows.next(members.get(t.name()), afterId == null ? b[0] - 1 : afterId, b[1], n);
  }
}
