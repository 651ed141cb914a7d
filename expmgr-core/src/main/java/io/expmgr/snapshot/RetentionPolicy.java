package io.expmgr.snapshot;

import io.expmgr.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which snapshots to keep: a snapshot is kept when any rule keeps it.
 *
 * <p>The {@code keep*} counts and {@code keepWithin*} durations have restic's meaning: counts go
 * over the periods that have snapshots, durations are measured back from the newest snapshot. The
 * FAQ's policy ({@link #faq}) is another kind of rule: it keeps each snapshot by its kind and age,
 * as the FAQ's table says.
 *
 * @param keepLast the newest N snapshots
 * @param keepDaily for the last N days that have snapshots, the newest of each day
 * @param keepWeekly for the last N ISO weeks that have snapshots, the newest of each week
 * @param keepMonthly for the last N months that have snapshots, the newest of each month
 * @param keepTags every snapshot carrying one of these tags
 * @param keepWithin every snapshot taken within this duration of the newest one (null: no rule)
 * @param keepWithinDaily the newest of each day, for days within this duration of the newest one
 * @param keepWithinWeekly the newest of each ISO week within this duration of the newest one
 * @param keepWithinMonthly the newest of each month within this duration of the newest one
 * @param faq the FAQ's table: daily snapshots 30 days, weekly 12 weeks, monthly 12 months,
 *     milestones forever, a snapshot of no known kind never removed ({@link Kind})
 */
public record RetentionPolicy(
    int keepLast,
    int keepDaily,
    int keepWeekly,
    int keepMonthly,
    List<String> keepTags,
    Duration keepWithin,
    Duration keepWithinDaily,
    Duration keepWithinWeekly,
    Duration keepWithinMonthly,
    boolean faq) {

  /** The kinds of the FAQ's table, and how long the FAQ keeps each (null: forever). */
  public enum Kind {
    DAILY(Duration.ofDays(30)),
    WEEKLY(Duration.ofDays(7 * 12)),
    MONTHLY(Duration.ofDays(365)),
    MILESTONE(null);

    private final Duration kept;

    Kind(Duration kept) {
      this.kept = kept;
    }

    /** How long the FAQ keeps a snapshot of this kind; null for ever. */
    public Duration kept() {
      return kept;
    }

    /**
     * A snapshot's kind: its tag {@code daily}, {@code weekly}, {@code monthly} or {@code
     * milestone} when it has one, else the first of those words its description contains (case
     * insensitive, in that order, as the FAQ's snippet decides); null when neither says.
     */
    public static Kind of(List<String> tags, String description) {
      for (Kind k : values()) {
        for (String t : tags) {
          if (t.equalsIgnoreCase(k.name())) {
            return k;
          }
        }
      }
      if (description != null) {
        String d = description.toLowerCase(Locale.ROOT);
        for (Kind k : values()) {
          if (d.contains(k.name().toLowerCase(Locale.ROOT))) {
            return k;
          }
        }
      }
      return null;
    }
  }

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
        && keepTags.isEmpty()
        && keepWithin == null
        && keepWithinDaily == null
        && keepWithinWeekly == null
        && keepWithinMonthly == null
        && !faq) {
      throw new InvalidInputException(
          "an empty policy would remove every snapshot: give --policy faq or at least one of"
              + " --keep-last, --keep-daily, --keep-weekly, --keep-monthly, --keep-within*,"
              + " --keep-tag");
    }
  }

  /** restic's count rules and kept tags. */
  public RetentionPolicy(
      int keepLast, int keepDaily, int keepWeekly, int keepMonthly, List<String> keepTags) {
    this(keepLast, keepDaily, keepWeekly, keepMonthly, keepTags, null, null, null, null, false);
  }

  /** The FAQ's retention table and nothing else. */
  public static RetentionPolicy faqTable() {
    return new RetentionPolicy(0, 0, 0, 0, List.of(), null, null, null, null, true);
  }

  private static void check(String option, int value) {
    if (value < 0 || value > 100_000) {
      throw new InvalidInputException(option + " must be between 0 and 100000, got " + value);
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)([ymdh])");

  /**
   * A duration as restic writes it: numbers with units {@code y} (years), {@code m} (months),
   * {@code d} (days), {@code h} (hours), as in {@code 1y6m}, {@code 30d}, {@code 2w} is not one.
   * Years are 365 days and months 30 here.
   *
   * @param option the option it came from, for messages
   */
  public static Duration parseDuration(String option, String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(t);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        n = Long.MAX_VALUE;
      }
      if (n > 100_000) {
        throw new InvalidInputException(option + " " + text + " is too long");
      }
      total =
          total.plus(
              switch (m.group(2)) {
                case "y" -> Duration.ofDays(365 * n);
                case "m" -> Duration.ofDays(30 * n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofHours(n);
              });
      end = m.end();
    }
    if (t.isEmpty() || end != t.length()) {
      throw new InvalidInputException(
          option
              + " must be a duration such as 30d, 12m, 1y6m or 48h (units y, m, d, h), got '"
              + text
              + "'");
    }
    return total;
  }
}
