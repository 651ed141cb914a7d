package io.expmgr.db;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Writes the DDL of schema-model tables in a dialect. */
public final class Ddl {
  private Ddl() {}

  /** CREATE TABLE followed by CREATE INDEX statements for one table. */
  public static List<String> createTable(Table table, Dialect d) {
    return createTable(table, d, null);
  }

  /**
   * CREATE TABLE with foreign-key constraints named {@code fk_<table>_<n>_<tag>} when {@code tag}
   * is given: InnoDB constraint names are unique per database and survive RENAME TABLE, so shadow
   * tables that are swapped in must not reuse the names of the tables they replace.
   */
  public static List<String> createTable(Table table, Dialect d, String constraintTag) {
    List<String> statements = new ArrayList<>();
    statements.add(createTableOnly(table, d, constraintTag, true));
    statements.addAll(d.afterCreateTable(table, autoIdColumn(table)));
    statements.addAll(createIndexes(table, d));
    return statements;
  }

  /**
   * ALTER TABLE adding the table's foreign keys, for tables created without them and loaded first;
   * empty when it has none.
   */
  public static List<String> addForeignKeys(Table table, Dialect d, String constraintTag) {
    List<String> parts = foreignKeys(table, d, constraintTag);
    if (parts.isEmpty()) {
      return List.of();
    }
    return List.of(
        "ALTER TABLE "
            + d.quote(table.name())
            + " "
            + String.join(", ", parts.stream().map(p -> "ADD " + p).toList()));
  }

  /** CREATE TABLE with its primary key, and its foreign keys when {@code withForeignKeys}. */
  public static String createTableOnly(
      Table table, Dialect d, String constraintTag, boolean withForeignKeys) {
    StringBuilder sb =
        new StringBuilder("CREATE TABLE ").append(d.quote(table.name())).append(" (");
    boolean autoId = autoIdColumn(table) != null;
    List<String> parts = new ArrayList<>();
    boolean keyInColumn = autoId && d.autoIncrementDeclaresKey();
    for (Column c : table.columns()) {
      String def = columnDefinition(c, d);
      if (autoId && c.name().equals(table.primaryKey().get(0))) {
        def += d.autoIncrement();
      }
      parts.add(def);
    }
    if (!table.primaryKey().isEmpty() && !keyInColumn) {
      parts.add("PRIMARY KEY (" + quoteAll(table.primaryKey(), d) + ")");
    }
    if (withForeignKeys) {
      parts.addAll(foreignKeys(table, d, constraintTag));
    }
    sb.append(String.join(", ", parts)).append(")").append(d.tableOptions(table));
    return sb.toString();
  }

  /**
   * The column whose values the engine assigns (a single-column {@code ID} key that refers to no
   * parent), or null when the table has none.
   */
  public static String autoIdColumn(Table table) {
    boolean autoId =
        table.primaryKey().size() == 1
            && table
                .column(table.primaryKey().get(0))
                .map(c -> c.type() == ColumnType.ID)
                .orElse(false)
            && table.foreignKeys().stream()
                .noneMatch(fk -> fk.columns().contains(table.primaryKey().get(0)));
    return autoId ? table.primaryKey().get(0) : null;
  }

  /** {@code name TYPE [NOT NULL] [DEFAULT ...]}. */
  public static String columnDefinition(Column c, Dialect d) {
    return d.quote(c.name())
        + " "
        + d.sqlType(c.type())
        + (c.nullable() ? "" : " NOT NULL")
        + (c.defaultText() == null ? "" : d.defaultClause(c.defaultText()));
  }

  /** {@code ALTER TABLE t ADD COLUMN ...}: existing rows get the column's default. */
  public static String addColumn(Table table, Column c, Dialect d) {
    return "ALTER TABLE " + d.quote(table.name()) + " ADD COLUMN " + columnDefinition(c, d);
  }

  private static List<String> foreignKeys(Table table, Dialect d, String constraintTag) {
    List<String> parts = new ArrayList<>();
    if (!d.declaresForeignKeys()) {
      return parts;
    }
    int fkNumber = 0;
    for (ForeignKey fk : table.foreignKeys()) {
      fkNumber++;
      String name =
          constraintTag == null
              ? ""
              : "CONSTRAINT "
                  + d.quote(
                      ("fk_" + table.name().toLowerCase()).replaceAll("__.*", "")
                          + "_"
                          + fkNumber
                          + "_"
                          + constraintTag)
                  + " ";
      parts.add(
          name
              + "FOREIGN KEY ("
              + quoteAll(fk.columns(), d)
              + ") REFERENCES "
              + d.quote(fk.parentTable())
              + " ("
              + quoteAll(fk.parentColumns(), d)
              + ")");
    }
    return parts;
  }

  /** The name of a secondary index of the model. */
  public static String indexName(Table table, List<String> columns) {
    return "idx_" + table.name().toLowerCase() + "_" + String.join("_", columns);
  }

  /** CREATE INDEX statements for the table's secondary indexes. */
  public static List<String> createIndexes(Table table, Dialect d) {
    List<String> statements = new ArrayList<>();
    for (List<String> index : table.indexes()) {
      statements.add(
          "CREATE INDEX "
              + d.quote(indexName(table, index))
              + " ON "
              + d.quote(table.name())
              + " ("
              + quoteAll(index, d)
              + ")");
    }
    return statements;
  }

  /** DROP INDEX statements for the table's secondary indexes. */
  public static List<String> dropIndexes(Table table, Dialect d) {
    List<String> statements = new ArrayList<>();
    for (List<String> index : table.indexes()) {
      statements.add(d.dropIndex(d.quote(indexName(table, index)), d.quote(table.name())));
    }
    return statements;
  }

  public static String quoteAll(List<String> identifiers, Dialect d) {
    return identifiers.stream().map(d::quote).collect(Collectors.joining(", "));
  }
}
