package io.expmgr.db.mysql;

import io.expmgr.db.Catalog;
import io.expmgr.db.Catalog.ColumnInfo;
import io.expmgr.db.Catalog.ForeignKeyInfo;
import io.expmgr.db.Catalog.IndexInfo;
import io.expmgr.db.Catalog.SchemaObject;
import io.expmgr.db.Catalog.TableInfo;
import io.expmgr.db.Engine;
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

/** Reads a MySQL database's {@link Catalog}. */
final class MysqlCatalog {
  private MysqlCatalog() {}

  static Catalog read(Connection c, String schemaName) throws SQLException {
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
}
