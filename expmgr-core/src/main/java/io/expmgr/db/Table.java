package io.expmgr.db;

import java.util.List;
import java.util.Optional;

/**
 * One table of the schema model: its columns in order, its primary key (empty when it has none),
 * its foreign keys, and extra secondary indexes (each a list of column names) that make the
 * hierarchy walks fast.
 */
public record Table(
    String name,
    List<Column> columns,
    List<String> primaryKey,
    List<ForeignKey> foreignKeys,
    List<List<String>> indexes) {

  public Table {
    columns = List.copyOf(columns);
    primaryKey = List.copyOf(primaryKey);
    foreignKeys = List.copyOf(foreignKeys);
    indexes = indexes.stream().map(List::copyOf).toList();
    List<String> names = columns.stream().map(Column::name).toList();
    for (String pk : primaryKey) {
      if (!names.contains(pk)) {
        throw new IllegalArgumentException(
            name + ": primary key column " + pk + " is not a column");
      }
    }
    for (ForeignKey fk : foreignKeys) {
      for (String c : fk.columns()) {
        if (!names.contains(c)) {
          throw new IllegalArgumentException(
              name + ": foreign key column " + c + " is not a column");
        }
      }
    }
  }

  public Optional<Column> column(String columnName) {
    return columns.stream().filter(c -> c.name().equalsIgnoreCase(columnName)).findFirst();
  }

  public List<String> columnNames() {
    return columns.stream().map(Column::name).toList();
  }

  /** True when the table is a pure link table (every column belongs to a foreign key). */
  public boolean isLinkTable() {
    return foreignKeys.stream().mapToInt(fk -> fk.columns().size()).sum() == columns.size();
  }
}
