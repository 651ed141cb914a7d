package io.expmgr.db;

import java.util.regex.Pattern;

/**
 * SQLite values as text and back, keeping each value's storage class. SQLite stores what is
 * inserted after converting it by the column's type affinity: in a column with numeric affinity a
 * number stays a number and text that does not look like one stays text; in a TEXT column
 * everything is text; in a column without affinity (declared without a type) each value keeps the
 * class it was inserted with. So text read back can be bound as the class it came from: by the
 * affinity, and for columns without one by the single class the column was seen to hold.
 */
final class SqliteValues {
  private SqliteValues() {}

  private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,19}");
  private static final Pattern REAL =
      Pattern.compile("-?(Infinity|[0-9]+\\.[0-9]+(E-?[0-9]+)?|[0-9]+E-?[0-9]+)");

  /** {@code integer}, {@code real}, {@code text} or {@code blob}. */
  public static String storageClass(Object v) {
    if (v instanceof Integer || v instanceof Long) {
      return "integer";
    }
    if (v instanceof Double || v instanceof Float) {
      return "real";
    }
    return v instanceof byte[] ? "blob" : "text";
  }

  /** The text of a number: decimal integers, doubles as Java's shortest exact text. */
  public static String numberText(Object v) {
    if (v instanceof Double x) {
      return Double.toString(x);
    }
    if (v instanceof Float f) {
      return Double.toString(f.doubleValue());
    }
    return v.toString();
  }

  /** The number that text written by {@link #numberText} stands for, or null when it is not one. */
  static Object number(String text) {
    if (INTEGER.matcher(text).matches()) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    if (REAL.matcher(text).matches()) {
      return Double.parseDouble(text);
    }
    return null;
  }

  /**
   * Why a value would not read back as itself, or null when it does.
   *
   * @param seen the storage class the column held so far (null when none)
   */
  static String unkeepable(Object v, Catalog.Affinity affinity, String seen) {
    String kind = storageClass(v);
    if (kind.equals("blob") || "blob".equals(seen)) {
      // A column of BLOBs (and nulls) is written in hex and read back as BLOBs.
      return seen == null || seen.equals(kind)
          ? null
          : "values of several storage classes (" + seen + " and " + kind + ")";
    }
    switch (affinity) {
      case TEXT:
        return kind.equals("text") ? null : "a number stored as " + kind;
      case BLOB:
        return seen == null || seen.equals(kind)
            ? null
            : "values of several storage classes (" + seen + " and " + kind + ")";
      default:
        return kind.equals("text") && number((String) v) != null
            ? "the text '" + v + "', which reads back as a number"
            : null;
    }
  }

  /**
   * The value to bind for text read from a table written by {@code TsvTables}: of the class the
   * original had.
   *
   * @param storage for a column without affinity, the class its values had; {@code blob} for a
   *     column of BLOBs (written in hex); null otherwise
   */
  public static Object decode(String text, Catalog.Affinity affinity, String storage) {
    if ("blob".equals(storage)) {
      return java.util.HexFormat.of().parseHex(text);
    }
    if (affinity == Catalog.Affinity.TEXT) {
      return text;
    }
    if (affinity == Catalog.Affinity.BLOB) {
      if (storage == null || storage.equals("text")) {
        return text;
      }
      return storage.equals("integer") ? (Object) Long.parseLong(text) : Double.parseDouble(text);
    }
    Object n = number(text);
    return n != null ? n : text;
  }
}
