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
    return time == null ? null : WRITE.format(time);
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
