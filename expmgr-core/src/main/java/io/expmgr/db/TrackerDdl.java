package io.expmgr.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The experiment tracker's own DDL ({@code tracker-mysql.sql}), table by table in the order it
 * creates them: the MySQL text as the tracker declares it, and the SQLite text derived from it the
 * way the tracker derives it (AUTOINCREMENT ids, TEXT times and JSON). Databases made with it look
 * like users' databases: no secondary index, single-precision {@code total_val} and times without
 * fractions on MySQL, ISO text times on SQLite.
 */
public final class TrackerDdl {
  private TrackerDdl() {}

  private static final List<String> MYSQL = load();

  private static List<String> load() {
    try (InputStream in = TrackerDdl.class.getResourceAsStream("tracker-mysql.sql")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String part : text.split("\n;\n")) {
        String statement =
            part.lines().filter(l -> !l.startsWith("--")).reduce((a, b) -> a + "\n" + b).orElse("");
        if (!statement.isBlank()) {
          out.add(statement);
        }
      }
      return List.copyOf(out);
    } catch (IOException | NullPointerException e) {
      throw new UncheckedIOException(new IOException("tracker-mysql.sql is missing", e));
    }
  }

  /** The table a statement creates. */
  static String tableOf(String statement) {
    String rest = statement.trim().substring("CREATE TABLE IF NOT EXISTS ".length());
    return rest.substring(0, rest.indexOf(' ')).toUpperCase(Locale.ROOT);
  }

  /**
   * The CREATE TABLE statements, in the tracker's order.
   *
   * @param batches whether to include the batch level (the tracker's latest version)
   */
  public static List<String> statements(Engine engine, boolean batches) {
    return MYSQL.stream()
        .filter(s -> batches || !Schema.isOptional(tableOf(s)))
        .map(engine.dialect()::trackerDdl)
        .toList();
  }

  /** The statements that make these tables, in the tracker's order. */
  public static List<String> statementsFor(Engine engine, java.util.Collection<String> tables) {
    java.util.Set<String> wanted = new java.util.HashSet<>();
    tables.forEach(t -> wanted.add(t.toUpperCase(Locale.ROOT)));
    return MYSQL.stream()
        .filter(s -> wanted.contains(tableOf(s)))
        .map(engine.dialect()::trackerDdl)
        .toList();
  }

  // ---------------------------------------------------------------- new objects in its style

  /** A type of the model as the tracker declares its columns (MySQL; {@link #sqlite} derives). */
  private static String type(ColumnType t) {
    return switch (t) {
      case ID, INT -> "INT";
      case SHORT_TEXT -> "VARCHAR(255)";
      case TEXT -> "TEXT";
      case DOUBLE -> "FLOAT";
      case TIMESTAMP -> "DATETIME";
    };
  }

  private static String column(Column c, Dialect d) {
    return c.name()
        + " "
        + d.trackerDdl(type(c.type()))
        + (c.nullable() ? "" : " NOT NULL")
        + (c.defaultText() == null ? "" : d.defaultClause(c.defaultText()));
  }

  /**
   * A table of the model as the tracker writes its DDL: bare names, its types, the key and foreign
   * keys as table constraints, its indentation.
   */
  public static String createTable(Table t, Dialect d) {
    List<String> parts = new ArrayList<>();
    for (Column c : t.columns()) {
      parts.add(column(c, d));
    }
    if (!t.primaryKey().isEmpty()) {
      parts.add("PRIMARY KEY (" + String.join(", ", t.primaryKey()) + ")");
    }
    for (ForeignKey fk : t.foreignKeys()) {
      parts.add(
          "FOREIGN KEY ("
              + String.join(", ", fk.columns())
              + ") REFERENCES "
              + fk.parentTable()
              + "("
              + String.join(", ", fk.parentColumns())
              + ")");
    }
    return "CREATE TABLE IF NOT EXISTS "
        + t.name()
        + " (\n        "
        + String.join(",\n        ", parts)
        + "\n    )";
  }

  /**
   * {@code ALTER TABLE T ADD COLUMN c TYPE ...}, the way the tracker's migration notes write it.
   */
  public static String addColumn(Table t, Column c, Dialect d) {
    return "ALTER TABLE " + t.name() + " ADD COLUMN " + column(c, d);
  }

  /** {@code CREATE INDEX idx_t_c ON T(c)}. */
  public static String createIndex(Table t, List<String> columns) {
    return "CREATE INDEX "
        + Ddl.indexName(t, columns)
        + " ON "
        + t.name()
        + "("
        + String.join(", ", columns)
        + ")";
  }

  /**
   * Whether a database's tables are the tracker's, so new ones are made in its style: it has the
   * tracker's version table, or the tracker's single-precision {@code total_val} and none of
   * expmgr's indexes.
   */
  public static boolean isTrackerLayout(java.sql.Connection c) throws java.sql.SQLException {
    var md = c.getMetaData();
    boolean versions = false;
    try (var rs = md.getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        versions |= rs.getString("TABLE_NAME").equalsIgnoreCase(Catalog.TRACKER_VERSION_TABLE);
      }
    }
    if (versions) {
      return true;
    }
    boolean floatTotal = false;
    try (var rs = md.getColumns(c.getCatalog(), null, "METRIC", "total_val")) {
      while (rs.next()) {
        floatTotal |= rs.getString("TYPE_NAME").toUpperCase(Locale.ROOT).startsWith("FLOAT");
      }
    }
    if (!floatTotal) {
      return false;
    }
    try (var rs = md.getIndexInfo(c.getCatalog(), null, "TRIAL", false, true)) {
      while (rs.next()) {
        String name = rs.getString("INDEX_NAME");
        if (name != null && name.toLowerCase(Locale.ROOT).startsWith("idx_trial_")) {
          return false;
        }
      }
    }
    return true;
  }
}
