package io.expmgr.migrate;

import io.expmgr.internal.LongBitSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches of a set of ids as SQL: the next ids of the set, as ranges of consecutive ids, and the
 * condition that selects them. Engines plan both forms as lookups on the key: {@code id BETWEEN a
 * AND b} for a run of ids, one {@code id IN (...)} list for the ids that stand alone.
 */
final class IdWindows {
  /** More runs of two or more ids than this end a window early (each is one more term). */
  static final int MAX_RUNS = 200;

  private IdWindows() {}

  /**
   * Up to {@code n} ids of {@code set} in ({@code after}, {@code upTo}], as ranges {from, to} of
   * consecutive ids in order; empty when none is left.
   */
  static List<long[]> next(LongBitSet set, long after, long upTo, int n) {
    List<long[]> ranges = new ArrayList<>();
    long[] last = null;
    int runs = 0;
    int taken = 0;
    for (long id = set.next(after + 1); id >= 0 && id <= upTo && taken < n; id = set.next(id + 1)) {
      if (last != null && id == last[1] + 1) {
        if (last[0] == last[1]) {
          if (runs == MAX_RUNS) {
            break;
          }
          runs++;
        }
        last[1] = id;
      } else {
        last = new long[] {id, id};
        ranges.add(last);
      }
      taken++;
    }
    return ranges;
  }

  /** The condition that {@code column} holds an id of the ranges ("1 = 0" for none). */
  static String condition(String column, List<long[]> ranges) {
    List<String> parts = new ArrayList<>();
    StringBuilder singles = new StringBuilder();
    for (long[] r : ranges) {
      if (r[0] == r[1]) {
        singles.append(singles.length() == 0 ? "" : ", ").append(r[0]);
      } else {
        parts.add(column + " BETWEEN " + r[0] + " AND " + r[1]);
      }
    }
    if (singles.length() > 0) {
      parts.add(column + " IN (" + singles + ")");
    }
    if (parts.isEmpty()) {
      return "1 = 0";
    }
    return parts.size() == 1 ? parts.get(0) : "(" + String.join(" OR ", parts) + ")";
  }
}
