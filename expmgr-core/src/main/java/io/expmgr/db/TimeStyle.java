package io.expmgr.db;

import java.time.LocalDateTime;

/**
 * How a SQLite database writes times as text. SQLite has no time type: each tool picks a form, and
 * a database should keep one. expmgr writes times in the form the database already uses, and keeps
 * the exact text of times it copies within one engine.
 */
public enum TimeStyle {
  /**
   * Python's {@code datetime.isoformat()}, which the experiment tracker writes: {@code
   * 2026-11-30T16:45:37.326251}, and {@code 2026-11-30T16:45:44} when the microseconds are zero.
   */
  ISO_T,
  /** expmgr's own: {@code 2026-11-30 16:45:37.326251}, always six fraction digits. */
  SPACE_MICROS;

  /** The time as this style writes it (microseconds kept, nanoseconds below them dropped). */
  public String format(LocalDateTime time) {
    if (time == null) {
      return null;
    }
    String canonical = Times.format(time);
    if (this == SPACE_MICROS) {
      return canonical;
    }
    String t = canonical.substring(0, 10) + 'T' + canonical.substring(11);
    return t.endsWith(".000000") ? t.substring(0, 19) : t;
  }

  /** The style of a time text; null when it is neither form (or null). */
  public static TimeStyle of(String text) {
    if (text == null || text.length() < 19) {
      return null;
    }
    char sep = text.charAt(10);
    if (sep == 'T') {
      return ISO_T;
    }
    return sep == ' ' ? SPACE_MICROS : null;
  }

  /**
   * The form a SQLite database writes its times in: that of a time it holds, else that of its
   * layout (the tracker's ISO text, expmgr's own otherwise). Null for MySQL, which has a type.
   */
  public static TimeStyle of(Database db, java.sql.Connection c, Catalog catalog)
      throws java.sql.SQLException {
    if (!db.dialect().storesTimesAsText()) {
      return null;
    }
    for (String[] tc :
        new String[][] {
          {"EXPERIMENT", "start_time"}, {"TRIAL_RUN", "start_time"}, {"EPOCH", "time"}
        }) {
      if (catalog.table(tc[0]).flatMap(t -> t.column(tc[1])).isEmpty()) {
        continue;
      }
      try (var st = c.createStatement();
          var rs =
              st.executeQuery(
                  "SELECT "
                      + db.dialect().quote(tc[1])
                      + " FROM "
                      + db.dialect().quote(tc[0])
                      + " WHERE typeof("
                      + db.dialect().quote(tc[1])
                      + ") = 'text' LIMIT 1")) {
        if (rs.next()) {
          TimeStyle style = of(rs.getString(1));
          if (style != null) {
            return style;
          }
        }
      }
    }
    return catalog.layout() == Catalog.Layout.TRACKER ? ISO_T : SPACE_MICROS;
  }

  /**
   * A MySQL {@code DATETIME(fractionDigits)} value as the server writes it: {@code 2026-11-30
   * 16:45:37} without fraction digits, {@code 2026-11-30 16:45:37.326251} with six.
   */
  public static String serverText(LocalDateTime time, int fractionDigits) {
    String canonical = Times.format(time);
    return fractionDigits <= 0
        ? canonical.substring(0, 19)
        : canonical.substring(0, 20 + fractionDigits);
  }
}
