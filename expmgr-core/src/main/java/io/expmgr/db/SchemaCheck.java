package io.expmgr.db;

import io.expmgr.SchemaException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Compares the tables of a database with the schema model. */
public final class SchemaCheck {
  private SchemaCheck() {}

  /** What a database lacks compared with a schema. Both lists empty means it has everything. */
  public record Gaps(List<String> missingTables, List<String> missingColumns) {
    public Gaps {
      missingTables = List.copyOf(missingTables);
      missingColumns = List.copyOf(missingColumns);
    }

    public boolean isComplete() {
      return missingTables.isEmpty() && missingColumns.isEmpty();
    }

    /** True when none of the schema's tables are there (an empty or foreign database). */
    public boolean isEmpty(Schema schema) {
      return missingTables.size()
          == schema.tables().stream().filter(t -> !Schema.isOptional(t.name())).count();
    }
  }

  public static Gaps gaps(Database db, Connection c, Schema schema) throws SQLException {
    return gaps(Existing.of(db, c), schema);
  }

  /** The tables and columns a database has, read once to compare with several schemas. */
  public record Existing(Set<String> tables, java.util.Map<String, Set<String>> columns) {
    public static Existing of(Database db, Connection c) throws SQLException {
      return new Existing(db.existingTables(c), db.existingColumnsByTable(c));
    }
  }

  /** What a database with these tables and columns lacks compared with a schema. */
  public static Gaps gaps(Existing existing, Schema schema) {
    Set<String> tables = existing.tables();
    List<String> missingTables = new ArrayList<>();
    List<String> missingColumns = new ArrayList<>();
    for (Table t : schema.presentIn(tables).tables()) {
      if (!tables.contains(t.name().toUpperCase(Locale.ROOT))) {
        missingTables.add(t.name());
        continue;
      }
      Set<String> columns =
          existing.columns().getOrDefault(t.name().toUpperCase(Locale.ROOT), Set.of());
      for (Column col : t.columns()) {
        if (!columns.contains(col.name().toLowerCase(Locale.ROOT))) {
          missingColumns.add(t.name() + "." + col.name());
        }
      }
    }
    return new Gaps(missingTables, missingColumns);
  }

  /** What the database lacks compared with the schema. */
  public static Gaps gaps(Database db, Schema schema) {
    return db.withConnection(c -> gaps(db, c, schema));
  }

  /**
   * Fails with a message naming what is missing unless the database has every table and column of
   * the schema.
   */
  public static void require(Database db, Schema schema) {
    Gaps gaps = db.withConnection(c -> gaps(db, c, schema));
    if (gaps.isEmpty(schema)) {
      throw new SchemaException(
          db.identity()
              + " has none of the experiment tables (is it the right database? expected "
              + String.join(", ", schema.tableNames())
              + ")");
    }
    if (!gaps.missingTables().isEmpty()) {
      throw new SchemaException(
          db.identity() + " is missing tables: " + String.join(", ", gaps.missingTables()));
    }
    if (!gaps.missingColumns().isEmpty()) {
      throw new SchemaException(
          db.identity() + " is missing columns: " + String.join(", ", gaps.missingColumns()));
    }
  }
}
