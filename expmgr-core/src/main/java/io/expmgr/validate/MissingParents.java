package io.expmgr.validate;

import io.expmgr.db.Dialect;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Table;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL conditions about a row's parents that hold their speed on users' databases, which have no
 * index beyond their keys: a probe goes only to a parent's key (its primary key in every layout),
 * and anything else is computed once per statement, never once per row.
 */
final class MissingParents {
  private MissingParents() {}

  /** The parent of links to epoch N, the tracker's final test metrics and artifacts. */
  static final String EPOCH = "EPOCH";

  /**
   * True when row {@code child} (an alias or the table itself) has every column of the key set and
   * no parent row with those values. A row with a null key column has no parent to miss. The probe
   * goes to the parent's key, which is its primary key in every layout, so it is an index lookup.
   */
  public static String condition(ForeignKey fk, Dialect d, String child) {
    List<String> notNull = new ArrayList<>();
    List<String> join = new ArrayList<>();
    for (int i = 0; i < fk.columns().size(); i++) {
      String col = child + "." + d.quote(fk.columns().get(i));
      notNull.add(col + " IS NOT NULL");
      join.add("p." + d.quote(fk.parentColumns().get(i)) + " = " + col);
    }
    return "("
        + String.join(" AND ", notNull)
        + " AND NOT EXISTS (SELECT 1 FROM "
        + d.quote(fk.parentTable())
        + " p WHERE "
        + String.join(" AND ", join)
        + "))";
  }

  /** Whether the key is a link to an epoch ({@code EPOCH_METRIC}, {@code EPOCH_ARTIFACT}). */
  static boolean isEpochLink(Table t, ForeignKey fk) {
    return fk.parentTable().equalsIgnoreCase(EPOCH) && t.isLinkTable();
  }

  /**
   * Epoch N of every run that exists, as rows {@code (run, n)}: one past its last epoch, or 0 for a
   * run without epochs. The tracker's training loop links a run's final test metrics there on
   * purpose; such an epoch never exists. Uncorrelated: computed once per statement.
   */
  static String finalEpochs(Dialect d) {
    String runId = d.quote("trial_run_id");
    String id = d.quote("id");
    String idx = d.quote("idx");
    return "(SELECT e."
        + runId
        + " AS run, max(e."
        + idx
        + ") + 1 AS n FROM "
        + d.quote(EPOCH)
        + " e WHERE e."
        + runId
        + " IN (SELECT "
        + id
        + " FROM "
        + d.quote("TRIAL_RUN")
        + ") GROUP BY e."
        + runId
        + " UNION ALL SELECT r."
        + id
        + ", 0 FROM "
        + d.quote("TRIAL_RUN")
        + " r WHERE r."
        + id
        + " NOT IN (SELECT "
        + runId
        + " FROM "
        + d.quote(EPOCH)
        + " WHERE "
        + runId
        + " IS NOT NULL))";
  }

  /** The link's run column and epoch column, as {@code child.column}. */
  private static String[] runAndEpoch(ForeignKey fk, Dialect d, String child) {
    String run = null;
    String idx = null;
    for (int i = 0; i < fk.columns().size(); i++) {
      String parent = fk.parentColumns().get(i);
      String col = child + "." + d.quote(fk.columns().get(i));
      if (parent.equalsIgnoreCase("trial_run_id")) {
        run = col;
      } else if (parent.equalsIgnoreCase("idx")) {
        idx = col;
      }
    }
    return new String[] {run, idx};
  }

  /** True when an epoch link of row {@code child} points to epoch N of its run. */
  static String finalEpochLink(ForeignKey fk, Dialect d, String child) {
    String[] re = runAndEpoch(fk, d, child);
    return "EXISTS (SELECT 1 FROM "
        + finalEpochs(d)
        + " f WHERE f.run = "
        + re[0]
        + " AND f.n = "
        + re[1]
        + ")";
  }

  /**
   * {@code FROM table c JOIN <epoch N of each run> f ...}: the links to epoch N, found by probing
   * the link table's key with each run's epoch N (one lookup per run, not a scan per link).
   */
  static String finalEpochLinksFrom(Table t, ForeignKey fk, Dialect d) {
    String[] re = runAndEpoch(fk, d, "c");
    // The final epochs first: one seek per run into the link table's key (which leads with the
    // epoch), not a scan of millions of links probing the final epochs.
    return " FROM "
        + finalEpochs(d)
        + " f "
        + d.joinInThisOrder()
        + " "
        + d.quote(t.name())
        + " c ON f.run = "
        + re[0]
        + " AND f.n = "
        + re[1];
  }

  /**
   * The condition that a row breaks the key, leaving out the tracker's links to epoch N, which are
   * kept and reported apart (by the hierarchy check).
   */
  static String violation(Table t, ForeignKey fk, Dialect d, String child) {
    String missing = condition(fk, d, child);
    if (!isEpochLink(t, fk)) {
      return missing;
    }
    return "(" + missing + " AND NOT " + finalEpochLink(fk, d, child) + ")";
  }
}
