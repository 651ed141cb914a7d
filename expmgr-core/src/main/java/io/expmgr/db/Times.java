package io.expmgr.db;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;

/**
 * The text form of times in SQLite: {@code yyyy-MM-dd HH:mm:ss.SSSSSS}. It sorts as text, is what
 * Python's sqlite3 adapters write, and keeps microseconds (sqlite-jdbc's default would store
 * milliseconds since the epoch and drop them).
 */
public final class Times {
  private static final DateTimeFormatter WRITE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  // Lenient on read: 'T' or space, zero to nine fraction digits, as other tools write them.
  private static final DateTimeFormatter READ =
      new DateTimeFormatterBuilder()
          .appendPattern("yyyy-MM-dd")
          .optionalStart()
          .appendLiteral('T')
          .optionalEnd()
          .optionalStart()
          .appendLiteral(' ')
          .optionalEnd()
          .appendPattern("HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .optionalEnd()
          .toFormatter();

  private Times() {}

  /** Truncates to the precision every backend keeps (microseconds). */
  public static LocalDateTime normalize(LocalDateTime time) {
    return time == null ? null : time.truncatedTo(ChronoUnit.MICROS);
  }

  public static String format(LocalDateTime time) {
    if (time == null) {
      return null;
    }
    int year = time.getYear();
    if (year < 1 || year > 9999) {
      return WRITE.format(time);
    }
    // By hand: this runs for every time of every row copied, about ten times faster.
    char[] c = new char[26];
    digits(c, 0, year, 4);
    c[4] = '-';
    digits(c, 5, time.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, time.getDayOfMonth(), 2);
    c[10] = ' ';
    digits(c, 11, time.getHour(), 2);
    c[13] = ':';
    digits(c, 14, time.getMinute(), 2);
    c[16] = ':';
    digits(c, 17, time.getSecond(), 2);
    c[19] = '.';
    digits(c, 20, time.getNano() / 1000, 6);
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** Parses exactly {@code yyyy-MM-dd HH:mm:ss.SSSSSS} (or 'T'), or returns null. */
  private static LocalDateTime parseCanonical(String s) {
    if (s.length() != 26
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || (s.charAt(10) != ' ' && s.charAt(10) != 'T')
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(19) != '.') {
      return null;
    }
    int year = number(s, 0, 4);
    int month = number(s, 5, 2);
    int day = number(s, 8, 2);
    int hour = number(s, 11, 2);
    int minute = number(s, 14, 2);
    int second = number(s, 17, 2);
    int micros = number(s, 20, 6);
    if ((year | month | day | hour | minute | second | micros) < 0 || year == 0) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second, micros * 1000);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  private static int number(String s, int at, int width) {
    int n = 0;
    for (int i = at; i < at + width; i++) {
      char ch = s.charAt(i);
      if (ch < '0' || ch > '9') {
        return -1;
      }
      n = n * 10 + (ch - '0');
    }
    return n;
  }

  /**
   * Parses the text form, or a number of milliseconds since the epoch (UTC) as JDBC drivers of
   * other tools store it.
   *
   * @throws IllegalArgumentException when the text is neither
   */
  public static LocalDateTime parse(String text) {
    if (text == null) {
      return null;
    }
    LocalDateTime fast = parseCanonical(text);
    if (fast != null) {
      return fast;
    }
    String s = text.trim();
    if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
      return LocalDateTime.ofInstant(Instant.ofEpochMilli(Long.parseLong(s)), ZoneOffset.UTC);
    }
    try {
      if (s.length() == 10) {
        return LocalDateTime.parse(s + " 00:00:00", READ);
      }
      return LocalDateTime.parse(s, READ);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a time: '" + text + "'", e);
    }
  }
}
