package io.expmgr.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A database as it is: every table with its own DDL text, columns and declared types, keys and
 * indexes, and the other objects (indexes, views, triggers) with theirs, in the order they were
 * created. The {@link Schema} model is what expmgr understands; the catalog is what the database
 * holds, so that what the model does not describe can be carried unchanged.
 *
 * @param engine the engine the catalog was read from
 * @param tables every base table, in creation order on SQLite (its {@code sqlite_master} order,
 *     {@code sqlite_sequence} included) and by name on MySQL
 * @param objects the objects with DDL text, in creation order: on SQLite every entry of {@code
 *     sqlite_master} that has DDL (tables too, so their interleaving with indexes is known); on
 *     MySQL views and triggers
 * @param settings engine settings a faithful copy keeps: SQLite's page size, auto-vacuum, encoding,
 *     user version, application id and journal mode; MySQL's default character set and collation
 */
public record Catalog(
    Engine engine,
    List<TableInfo> tables,
    List<SchemaObject> objects,
    Map<String, String> settings) {

  public Catalog {
    tables = List.copyOf(tables);
    objects = List.copyOf(objects);
    settings = Map.copyOf(settings);
  }

  /**
   * A column as declared.
   *
   * @param declaredType the type as written in the DDL ({@code FLOAT}, {@code DATETIME(6)}, {@code
   *     VARCHAR(255)}), empty when none was given (SQLite)
   * @param defaultSql the default as SQL text, or null
   * @param pkPosition 1-based position in the primary key, 0 when not part of it
   * @param json whether the engine checks the column holds JSON (MySQL {@code JSON})
   */
  public record ColumnInfo(
      String name,
      String declaredType,
      boolean notNull,
      String defaultSql,
      int pkPosition,
      boolean json) {

    /** SQLite's type affinity of the declared type (its documented rules, in order). */
    public Affinity affinity() {
      String t = declaredType.toUpperCase(Locale.ROOT);
      if (t.contains("INT")) {
        return Affinity.INTEGER;
      }
      if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) {
        return Affinity.TEXT;
      }
      if (t.isEmpty() || t.contains("BLOB")) {
        return Affinity.BLOB;
      }
      if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) {
        return Affinity.REAL;
      }
      return Affinity.NUMERIC;
    }

    /** The base type word, upper-cased: {@code DATETIME(6)} gives {@code DATETIME}. */
    public String baseType() {
      String t = declaredType.trim().toUpperCase(Locale.ROOT);
      int cut = 0;
      while (cut < t.length() && (Character.isLetter(t.charAt(cut)) || t.charAt(cut) == '_')) {
        cut++;
      }
      return t.substring(0, cut);
    }

    /** Fraction digits of a MySQL {@code DATETIME(n)}/{@code TIMESTAMP(n)}; 0 when none given. */
    public int fractionDigits() {
      String t = declaredType.trim();
      int open = t.indexOf('(');
      int close = t.indexOf(')');
      if (open < 0 || close < open) {
        return 0;
      }
      try {
        return Integer.parseInt(t.substring(open + 1, close).trim());
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    /** A single-precision float column ({@link Dialect#isSinglePrecision}). */
    public boolean isSinglePrecision(Engine engine) {
      return engine.dialect().isSinglePrecision(baseType());
    }

    /** A date-time column of a typed engine ({@link Dialect#isTimeType}). */
    public boolean isServerTime(Engine engine) {
      return engine.dialect().isTimeType(baseType());
    }
  }

  /** SQLite's five type affinities. */
  public enum Affinity {
    INTEGER,
    TEXT,
    BLOB,
    REAL,
    NUMERIC
  }

  /** A foreign key as declared. */
  public record ForeignKeyInfo(
      String name, List<String> columns, String parentTable, List<String> parentColumns) {
    public ForeignKeyInfo {
      columns = List.copyOf(columns);
      parentColumns = List.copyOf(parentColumns);
    }
  }

  /**
   * An index of a table.
   *
   * @param origin {@code c} made by CREATE INDEX, {@code u} by a UNIQUE constraint, {@code pk} by
   *     the primary key
   * @param sql its DDL text where the engine keeps one (SQLite, {@code c} only), else null
   */
  public record IndexInfo(
      String name, List<String> columns, boolean unique, String origin, String sql) {
    public IndexInfo {
      columns = List.copyOf(columns);
    }
  }

  /**
   * A table as it is.
   *
   * @param ddl its CREATE TABLE text as the engine keeps it ({@code sqlite_master.sql}, {@code SHOW
   *     CREATE TABLE})
   * @param withoutRowid a SQLite {@code WITHOUT ROWID} table
   * @param autoIncrement a SQLite table with an {@code AUTOINCREMENT} key (it has a row in {@code
   *     sqlite_sequence}), or a MySQL table with an {@code AUTO_INCREMENT} column
   */
  public record TableInfo(
      String name,
      String ddl,
      List<ColumnInfo> columns,
      List<String> primaryKey,
      List<ForeignKeyInfo> foreignKeys,
      List<IndexInfo> indexes,
      boolean withoutRowid,
      boolean autoIncrement) {
    public TableInfo {
      columns = List.copyOf(columns);
      primaryKey = List.copyOf(primaryKey);
      foreignKeys = List.copyOf(foreignKeys);
      indexes = List.copyOf(indexes);
    }

    public List<String> columnNames() {
      return columns.stream().map(ColumnInfo::name).toList();
    }

    public Optional<ColumnInfo> column(String name) {
      return columns.stream().filter(c -> c.name().equalsIgnoreCase(name)).findFirst();
    }

    /** Indexes made by CREATE INDEX (not by the key or a UNIQUE constraint). */
    public List<IndexInfo> secondaryIndexes() {
      return indexes.stream().filter(i -> i.origin().equals("c")).toList();
    }
  }

  /** An index, view or trigger, with the DDL that makes it. */
  public record SchemaObject(String type, String name, String table, String sql) {}

  /** The setting that marks a catalog made from the model ({@link #ofModel}), not read. */
  private static final String MODEL_ONLY = "model_only";

  /**
   * The catalog a database of the model would have in an engine: the model's tables and nothing
   * else, for snapshots written before snapshots kept every table (they held only these).
   */
  public static Catalog ofModel(Schema model, Engine engine) {
    Dialect d = engine.dialect();
    List<TableInfo> tables = new ArrayList<>();
    for (Table t : model.tables()) {
      List<ColumnInfo> cols = new ArrayList<>();
      for (Column c : t.columns()) {
        cols.add(
            new ColumnInfo(
                c.name(),
                d.sqlType(c.type()),
                !c.nullable(),
                null,
                t.primaryKey().indexOf(c.name()) + 1,
                false));
      }
      List<ForeignKeyInfo> fks = new ArrayList<>();
      for (ForeignKey fk : t.foreignKeys()) {
        fks.add(new ForeignKeyInfo(null, fk.columns(), fk.parentTable(), fk.parentColumns()));
      }
      tables.add(new TableInfo(t.name(), null, cols, t.primaryKey(), fks, List.of(), false, false));
    }
    return new Catalog(engine, tables, List.of(), Map.of(MODEL_ONLY, "true"));
  }

  /** Whether this catalog was made from the model ({@link #ofModel}) rather than read. */
  public boolean modelOnly() {
    return "true".equals(settings.get(MODEL_ONLY));
  }

  /** Whether a restore of this catalog into {@code target} makes the database exactly again. */
  public boolean restoresExactlyInto(Engine target) {
    return engine == target && !modelOnly();
  }

  /** The table of this name (any case). */
  public Optional<TableInfo> table(String name) {
    return tables.stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
  }

  /** Upper-cased names of the tables. */
  public Set<String> tableNamesUpper() {
    Set<String> out = new TreeSet<>();
    tables.forEach(t -> out.add(t.name().toUpperCase(Locale.ROOT)));
    return out;
  }

  /** The tables the schema model does not describe, in catalog order. */
  public List<TableInfo> unmodelled(Schema schema) {
    return tables.stream().filter(t -> schema.find(t.name()).isEmpty()).toList();
  }

  /** The columns of model tables that the model does not describe, as {@code TABLE.column}. */
  public List<String> unmodelledColumns(Schema schema) {
    List<String> out = new ArrayList<>();
    for (TableInfo t : tables) {
      schema
          .find(t.name())
          .ifPresent(
              m -> {
                for (ColumnInfo c : t.columns()) {
                  if (m.column(c.name()).isEmpty()) {
                    out.add(m.name() + "." + c.name());
                  }
                }
              });
    }
    return out;
  }

  /** Reads the catalog of the database on this connection. */
  public static Catalog read(Database db, Connection c) throws SQLException {
    return db.dialect().readCatalog(db, c);
  }

  /** Reads the catalog on a connection of its own. */
  public static Catalog read(Database db) {
    return db.withConnection(c -> read(db, c));
  }

  // ----------------------------------------------------------------------- layouts

  /** The known layouts of an experiment database: who made it, by its DDL. */
  public enum Layout {
    /** Made by expmgr: its own DDL (secondary indexes, {@code flyway_schema_history}). */
    EXPMGR("expmgr"),
    /** Made by the experiment tracker: its DDL, no secondary indexes, a {@code SCHEMA_VERSION}. */
    TRACKER("tracker"),
    /** Neither: the experiment tables, made by another tool. */
    OTHER("other");

    private final String label;

    Layout(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** The tracker's own version table. */
  public static final String TRACKER_VERSION_TABLE = "SCHEMA_VERSION";

  /** Which known layout the database has. */
  public Layout layout() {
    boolean expmgrIndexes =
        tables.stream()
            .flatMap(t -> t.indexes().stream())
            .anyMatch(i -> i.name().toLowerCase(Locale.ROOT).startsWith("idx_trial_"));
    boolean trackerTypes =
        table("METRIC")
            .flatMap(m -> m.column("total_val"))
            .map(c -> c.baseType().equals("FLOAT"))
            .orElse(false);
    // The tracker's marks first: an upgrade by expmgr adds its own history table to a tracker's
    // database, which stays the tracker's.
    if (table(TRACKER_VERSION_TABLE).isPresent() || (trackerTypes && !expmgrIndexes)) {
      return Layout.TRACKER;
    }
    if (table("flyway_schema_history").isPresent() || expmgrIndexes) {
      return Layout.EXPMGR;
    }
    return Layout.OTHER;
  }

  /** Whether any model table has a secondary index (made by CREATE INDEX). */
  public boolean hasSecondaryIndexes() {
    return tables.stream().anyMatch(t -> !t.secondaryIndexes().isEmpty());
  }
}
