package io.expmgr.snapshot;

import io.expmgr.InvalidInputException;
import java.util.List;

/**
 * Which snapshots to keep, with restic's semantics: a snapshot is kept when any rule keeps it.
 *
 * @param keepLast the newest N snapshots
 * @param keepDaily for the last N days that have snapshots, the newest of each day
 * @param keepWeekly for the last N ISO weeks that have snapshots, the newest of each week
 * @param keepMonthly for the last N months that have snapshots, the newest of each month
 * @param keepTags every snapshot carrying one of these tags
 */
public record RetentionPolicy(
    int keepLast, int keepDaily, int keepWeekly, int keepMonthly, List<String> keepTags) {
  public RetentionPolicy {
    keepTags = keepTags == null ? List.of() : List.copyOf(keepTags);
    check("--keep-last", keepLast);
    check("--keep-daily", keepDaily);
    check("--keep-weekly", keepWeekly);
    check("--keep-monthly", keepMonthly);
    if (keepLast == 0
        && keepDaily == 0
        && keepWeekly == 0
        && keepMonthly == 0
        && keepTags.isEmpty()) {
      throw new InvalidInputException(
          "an empty policy would remove every snapshot: give at least one of --keep-last, --keep-daily,"
              + " --keep-weekly, --keep-monthly, --keep-tag");
    }
  }

  private static void check(String option, int value) {
    if (value < 0 || value > 100_000) {
      throw new InvalidInputException(option + " must be between 0 and 100000, got " + value);
    }
  }
}
