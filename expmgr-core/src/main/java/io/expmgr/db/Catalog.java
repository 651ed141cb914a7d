package io.expmgr.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

  /** SQLite's own table of AUTOINCREMENT counters. */
  public static final String SQLITE_SEQUENCE = "sqlite_sequence";

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

    /** A single-precision float column of MySQL ({@code FLOAT} without precision digits). */
    public boolean isSinglePrecision(Engine engine) {
      return engine == Engine.MYSQL && baseType().equals("FLOAT");
    }

    /** A MySQL date-time column ({@code DATETIME}, {@code TIMESTAMP}). */
    public boolean isServerTime(Engine engine) {
      return engine == Engine.MYSQL
          && (baseType().equals("DATETIME") || baseType().equals("TIMESTAMP"));
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
    return db.engine() == Engine.SQLITE ? readSqlite(c) : readMysql(c, db.config().database());
  }

  /** Reads the catalog on a connection of its own. */
  public static Catalog read(Database db) {
    return db.withConnection(c -> read(db, c));
  }

  // ----------------------------------------------------------------------- SQLite

  private static Catalog readSqlite(Connection c) throws SQLException {
    List<String[]> master = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                    + " WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY rowid")) {
      while (rs.next()) {
        master.add(
            new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
      }
    }
    List<TableInfo> tables = new ArrayList<>();
    List<SchemaObject> objects = new ArrayList<>();
    for (String[] m : master) {
      if (m[0].equals("table")) {
        tables.add(sqliteTable(c, m[1], m[3]));
      }
      if (m[3] != null) {
        objects.add(new SchemaObject(m[0], m[1], m[2], m[3]));
      }
    }
    Map<String, String> settings = new LinkedHashMap<>();
    for (String pragma :
        List.of(
            "page_size",
            "auto_vacuum",
            "encoding",
            "user_version",
            "application_id",
            "journal_mode")) {
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("PRAGMA " + pragma)) {
        if (rs.next()) {
          settings.put(pragma, rs.getString(1));
        }
      }
    }
    return new Catalog(Engine.SQLITE, tables, objects, settings);
  }

  private static TableInfo sqliteTable(Connection c, String name, String ddl) throws SQLException {
    List<ColumnInfo> columns = new ArrayList<>();
    List<String[]> pk = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)"
                + " ORDER BY cid")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int pkPos = rs.getInt(5);
          columns.add(
              new ColumnInfo(
                  rs.getString(1),
                  rs.getString(2) == null ? "" : rs.getString(2),
                  rs.getInt(3) == 1,
                  rs.getString(4),
                  pkPos,
                  false));
          if (pkPos > 0) {
            pk.add(new String[] {String.format("%05d", pkPos), rs.getString(1)});
          }
        }
      }
    }
    pk.sort((a, b) -> a[0].compareTo(b[0]));
    List<ForeignKeyInfo> fks = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)"
                + " ORDER BY id DESC, seq")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        int current = -1;
        List<String> from = null;
        List<String> to = null;
        String parent = null;
        while (rs.next()) {
          if (rs.getInt(1) != current) {
            if (from != null) {
              fks.add(new ForeignKeyInfo(null, from, parent, to));
            }
            current = rs.getInt(1);
            from = new ArrayList<>();
            to = new ArrayList<>();
            parent = rs.getString(3);
          }
          from.add(rs.getString(4));
          to.add(rs.getString(5));
        }
        if (from != null) {
          fks.add(new ForeignKeyInfo(null, from, parent, to));
        }
      }
    }
    List<IndexInfo> indexes = new ArrayList<>();
    List<String[]> list = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT name, \"unique\", origin FROM pragma_index_list(?)")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          list.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
        }
      }
    }
    for (String[] i : list) {
      List<String> cols = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement("SELECT name FROM pragma_index_info(?) ORDER BY seqno")) {
        ps.setString(1, i[0]);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            cols.add(rs.getString(1));
          }
        }
      }
      String sql = null;
      if (i[2].equals("c")) {
        try (PreparedStatement ps =
            c.prepareStatement("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")) {
          ps.setString(1, i[0]);
          try (ResultSet rs = ps.executeQuery()) {
            sql = rs.next() ? rs.getString(1) : null;
          }
        }
      }
      indexes.add(new IndexInfo(i[0], cols, "1".equals(i[1]), i[2], sql));
    }
    String upper = ddl == null ? "" : ddl.toUpperCase(Locale.ROOT);
    boolean withoutRowid = upper.replaceAll("\\s+", " ").matches("(?s).*\\)\\s*WITHOUT ROWID.*");
    return new TableInfo(
        name,
        ddl,
        columns,
        pk.stream().map(p -> p[1]).toList(),
        fks,
        indexes,
        withoutRowid,
        upper.contains("AUTOINCREMENT"));
  }

  // ----------------------------------------------------------------------- MySQL

  private static Catalog readMysql(Connection c, String schemaName) throws SQLException {
    Map<String, List<ColumnInfo>> columns = new LinkedHashMap<>();
    Map<String, Boolean> autoInc = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT,"
                + " c.COLUMN_KEY, c.EXTRA, c.DATA_TYPE"
                + " FROM information_schema.COLUMNS c JOIN information_schema.TABLES t"
                + " ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME"
                + " WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE'"
                + " ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION")) {
      ps.setString(1, schemaName);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String table = rs.getString(1);
          String type = rs.getString(3);
          boolean json = "json".equalsIgnoreCase(rs.getString(8));
          columns
              .computeIfAbsent(table, k -> new ArrayList<>())
              .add(
                  new ColumnInfo(
                      rs.getString(2),
                      type,
                      "NO".equals(rs.getString(4)),
                      rs.getString(5),
                      0,
                      json));
          if (String.valueOf(rs.getString(7)).toLowerCase(Locale.ROOT).contains("auto_increment")) {
            autoInc.put(table, true);
          }
        }
      }
    }
    Map<String, List<String>> pks = new LinkedHashMap<>();
    Map<String, Map<String, List<String[]>>> fkCols = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME,"
                + " REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
                + " WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME,"
                + " ORDINAL_POSITION")) {
      ps.setString(1, schemaName);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String table = rs.getString(1);
          String constraint = rs.getString(2);
          if ("PRIMARY".equals(constraint)) {
            pks.computeIfAbsent(table, k -> new ArrayList<>()).add(rs.getString(3));
          } else if (rs.getString(4) != null) {
            fkCols
                .computeIfAbsent(table, k -> new LinkedHashMap<>())
                .computeIfAbsent(constraint, k -> new ArrayList<>())
                .add(new String[] {rs.getString(3), rs.getString(4), rs.getString(5)});
          }
        }
      }
    }
    Map<String, Map<String, List<String[]>>> idx = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM"
                + " information_schema.STATISTICS WHERE TABLE_SCHEMA = ?"
                + " ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")) {
      ps.setString(1, schemaName);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          idx.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>())
              .computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
              .add(new String[] {rs.getString(3), rs.getString(4)});
        }
      }
    }
    List<TableInfo> tables = new ArrayList<>();
    for (var e : columns.entrySet()) {
      String table = e.getKey();
      List<String> pk = pks.getOrDefault(table, List.of());
      List<ColumnInfo> cols = new ArrayList<>();
      for (ColumnInfo ci : e.getValue()) {
        int pos = pk.indexOf(ci.name()) + 1;
        cols.add(
            new ColumnInfo(
                ci.name(), ci.declaredType(), ci.notNull(), ci.defaultSql(), pos, ci.json()));
      }
      String ddl = showCreate(c, "TABLE", table, 2);
      if (!cols.stream().anyMatch(ColumnInfo::json)) {
        // MariaDB stores JSON as LONGTEXT with a json_valid check: the DDL tells.
        cols = markJsonFromDdl(cols, ddl);
      }
      List<ForeignKeyInfo> fks = new ArrayList<>();
      for (var f : fkCols.getOrDefault(table, Map.of()).entrySet()) {
        fks.add(
            new ForeignKeyInfo(
                f.getKey(),
                f.getValue().stream().map(x -> x[0]).toList(),
                f.getValue().get(0)[1],
                f.getValue().stream().map(x -> x[2]).toList()));
      }
      List<IndexInfo> indexes = new ArrayList<>();
      for (var i : idx.getOrDefault(table, Map.of()).entrySet()) {
        boolean unique = "0".equals(i.getValue().get(0)[1]);
        String origin = i.getKey().equals("PRIMARY") ? "pk" : unique ? "u" : "c";
        indexes.add(
            new IndexInfo(
                i.getKey(), i.getValue().stream().map(x -> x[0]).toList(), unique, origin, null));
      }
      tables.add(
          new TableInfo(
              table, ddl, cols, pk, fks, indexes, false, autoInc.getOrDefault(table, false)));
    }
    List<SchemaObject> objects = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?"
                + " ORDER BY TABLE_NAME")) {
      ps.setString(1, schemaName);
      List<String> views = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          views.add(rs.getString(1));
        }
      }
      for (String v : views) {
        objects.add(new SchemaObject("view", v, v, showCreate(c, "VIEW", v, 2)));
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS"
                + " WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER")) {
      ps.setString(1, schemaName);
      List<String[]> triggers = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          triggers.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
      for (String[] t : triggers) {
        objects.add(new SchemaObject("trigger", t[0], t[1], showCreate(c, "TRIGGER", t[0], 3)));
      }
    }
    Map<String, String> settings = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM"
                + " information_schema.SCHEMATA WHERE SCHEMA_NAME = ?")) {
      ps.setString(1, schemaName);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          settings.put("character_set", rs.getString(1));
          settings.put("collation", rs.getString(2));
        }
      }
    }
    return new Catalog(Engine.MYSQL, tables, objects, settings);
  }

  private static List<ColumnInfo> markJsonFromDdl(List<ColumnInfo> cols, String ddl) {
    if (ddl == null || !ddl.toLowerCase(Locale.ROOT).contains("json_valid")) {
      return cols;
    }
    List<ColumnInfo> out = new ArrayList<>();
    for (ColumnInfo ci : cols) {
      boolean json =
          ddl.toLowerCase(Locale.ROOT)
              .contains("json_valid(`" + ci.name().toLowerCase(Locale.ROOT) + "`)");
      out.add(
          json
              ? new ColumnInfo(
                  ci.name(),
                  ci.declaredType(),
                  ci.notNull(),
                  ci.defaultSql(),
                  ci.pkPosition(),
                  true)
              : ci);
    }
    return out;
  }

  private static String showCreate(Connection c, String kind, String name, int column)
      throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SHOW CREATE " + kind + " " + MySqlDialect.INSTANCE.quote(name))) {
      return rs.next() ? rs.getString(column) : null;
    }
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
