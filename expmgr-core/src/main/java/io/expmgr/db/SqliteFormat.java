package io.expmgr.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The SQLite file format as a container, whatever engine the data came from: a snapshot of a server
 * database in the {@code sqlite} format is one such file.
 */
public final class SqliteFormat {
  private SqliteFormat() {}

  /** Inserts rows of Java values (Long, Double, String, null) into a table of the file. */
  public static void insertRows(
      Connection file, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    Engine.SQLITE.dialect().insertValues(file, table, columns, rows);
  }
}
