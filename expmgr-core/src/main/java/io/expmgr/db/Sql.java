package io.expmgr.db;

import java.util.Collections;
import java.util.List;

/** SQL text written from the schema model in a dialect. */
public final class Sql {
  private Sql() {}

  /** {@code INSERT INTO t (c1, c2, ...) VALUES (?, ?, ...)} over all columns in model order. */
  /**
   * The smallest and the largest value of an indexed column, as two subqueries: each is then read
   * from one end of the index, where min and max in one query scan the whole table.
   */
  public static String minAndMax(String table, String column, Dialect d) {
    String from = ") FROM " + d.quote(table) + ")";
    return "SELECT (SELECT min("
        + d.quote(column)
        + from
        + ", (SELECT max("
        + d.quote(column)
        + from;
  }

  public static String insert(Table table, Dialect d) {
    return insert(table, table.columnNames(), d);
  }

  /** {@code INSERT INTO t (columns) VALUES (?, ...)}. */
  public static String insert(Table table, List<String> columns, Dialect d) {
    return "INSERT INTO "
        + d.quote(table.name())
        + " ("
        + Ddl.quoteAll(columns, d)
        + ") VALUES ("
        + String.join(", ", Collections.nCopies(columns.size(), "?"))
        + ")";
  }

  /** {@code INSERT INTO t (all columns) VALUES (?, ...), (?, ...), ...} for {@code rows} rows. */
  public static String insertRows(Table table, Dialect d, int rows) {
    String one = "(" + String.join(", ", Collections.nCopies(table.columns().size(), "?")) + ")";
    return "INSERT INTO "
        + d.quote(table.name())
        + " ("
        + Ddl.quoteAll(table.columnNames(), d)
        + ") VALUES "
        + String.join(", ", Collections.nCopies(rows, one));
  }

  /** {@code SELECT c1, c2, ... FROM t} over all columns in model order. */
  public static String selectAll(Table table, Dialect d) {
    return "SELECT " + Ddl.quoteAll(table.columnNames(), d) + " FROM " + d.quote(table.name());
  }

  /** {@code SELECT count(*) FROM t}. */
  public static String count(Table table, Dialect d) {
    return "SELECT count(*) FROM " + d.quote(table.name());
  }
}
