package io.expmgr.db;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Reads and binds whole rows of a model table with the Java type of each logical column: {@link
 * Long} ids, {@link Integer} ints, {@link String} text, {@link Double} doubles, {@link
 * java.time.LocalDateTime} times, null as null. The same values come out of every engine.
 */
public final class Rows {
  private Rows() {}

  /** Reads the current row of a {@code SELECT} of all the table's columns in model order. */
  public static Object[] read(ResultSet rs, Table table, Dialect d) throws SQLException {
    List<Column> columns = table.columns();
    Object[] row = new Object[columns.size()];
    for (int i = 0; i < row.length; i++) {
      row[i] = read(rs, i + 1, columns.get(i).type(), d);
    }
    return row;
  }

  public static Object read(ResultSet rs, int index, ColumnType type, Dialect d)
      throws SQLException {
    Object value =
        switch (type) {
          case ID -> rs.getLong(index);
          case INT -> rs.getInt(index);
          case DOUBLE -> rs.getDouble(index);
          case SHORT_TEXT, TEXT -> rs.getString(index);
          case TIMESTAMP -> d.getTime(rs, index);
        };
    return rs.wasNull() ? null : value;
  }

  /** Binds one value of a logical column type. */
  public static void bind(PreparedStatement ps, int index, ColumnType type, Object value, Dialect d)
      throws SQLException {
    if (type == ColumnType.TIMESTAMP) {
      d.setTime(ps, index, (java.time.LocalDateTime) value);
      return;
    }
    if (value == null) {
      ps.setNull(
          index,
          switch (type) {
            case ID -> Types.BIGINT;
            case INT -> Types.INTEGER;
            case DOUBLE -> Types.DOUBLE;
            default -> Types.VARCHAR;
          });
      return;
    }
    switch (type) {
      case ID -> ps.setLong(index, ((Number) value).longValue());
      case INT -> ps.setInt(index, ((Number) value).intValue());
      case DOUBLE -> ps.setDouble(index, ((Number) value).doubleValue());
      default -> ps.setString(index, value.toString());
    }
  }
}
