package io.expmgr.db;

/**
 * One column of a table in the schema model.
 *
 * @param defaultText a constant text the column takes when a row is inserted without it (and that
 *     existing rows get when the column is added), or null for none
 */
public record Column(String name, ColumnType type, boolean nullable, String defaultText) {
  public Column(String name, ColumnType type, boolean nullable) {
    this(name, type, nullable, null);
  }

  public static Column required(String name, ColumnType type) {
    return new Column(name, type, false);
  }

  public static Column optional(String name, ColumnType type) {
    return new Column(name, type, true);
  }
}
