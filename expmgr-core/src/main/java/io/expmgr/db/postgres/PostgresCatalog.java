package io.expmgr.db.postgres;

import io.expmgr.db.Catalog;
import io.expmgr.db.Catalog.ColumnInfo;
import io.expmgr.db.Catalog.IndexInfo;
import io.expmgr.db.Catalog.SchemaObject;
import io.expmgr.db.Catalog.TableInfo;
import io.expmgr.db.Engine;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a PostgreSQL database's {@link Catalog}: the base tables of the current schema by name,
 * their columns with declared types as {@code format_type} writes them (upper-cased, without {@code
 * without time zone}; a time without precision digits has PostgreSQL's six), primary keys, indexes,
 * and views.
 */
final class PostgresCatalog {
  private PostgresCatalog() {}

  static Catalog read(Connection c) throws SQLException {
    Map<String, List<ColumnInfo>> columns = new LinkedHashMap<>();
    Map<String, Boolean> identity = new LinkedHashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT cl.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
                    + " a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity,"
                    + " t.typname"
                    + " FROM pg_class cl"
                    + " JOIN pg_namespace n ON n.oid = cl.relnamespace"
                    + " JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0"
                    + " AND NOT a.attisdropped"
                    + " JOIN pg_type t ON t.oid = a.atttypid"
                    + " LEFT JOIN pg_attrdef d ON d.adrelid = cl.oid AND d.adnum = a.attnum"
                    + " WHERE n.nspname = current_schema() AND cl.relkind IN ('r', 'p')"
                    + " ORDER BY cl.relname, a.attnum")) {
      while (rs.next()) {
        String table = canonical(rs.getString(1));
        columns
            .computeIfAbsent(table, k -> new ArrayList<>())
            .add(
                new ColumnInfo(
                    rs.getString(2),
                    declared(rs.getString(3)),
                    rs.getBoolean(4),
                    rs.getString(5),
                    0,
                    rs.getString(7).startsWith("json")));
        String id = rs.getString(6);
        boolean serial = String.valueOf(rs.getString(5)).startsWith("nextval(");
        if ((id != null && !id.isEmpty()) || serial) {
          identity.put(table, true);
        }
      }
    }
    Map<String, List<String>> pks = new LinkedHashMap<>();
    Map<String, List<IndexInfo>> indexes = new LinkedHashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT t.relname, i.relname, x.indisprimary, x.indisunique,"
                    + " pg_get_indexdef(x.indexrelid),"
                    + " EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid),"
                    + " ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(n, o)"
                    + " JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n"
                    + " ORDER BY k.o)"
                    + " FROM pg_index x"
                    + " JOIN pg_class t ON t.oid = x.indrelid"
                    + " JOIN pg_class i ON i.oid = x.indexrelid"
                    + " JOIN pg_namespace n ON n.oid = t.relnamespace"
                    + " WHERE n.nspname = current_schema()"
                    + " ORDER BY t.relname, i.relname")) {
      while (rs.next()) {
        String table = canonical(rs.getString(1));
        List<String> cols = List.of((String[]) rs.getArray(7).getArray());
        boolean primary = rs.getBoolean(3);
        boolean constraint = rs.getBoolean(6);
        if (primary) {
          pks.put(table, cols);
        }
        String origin = primary ? "pk" : constraint ? "u" : "c";
        indexes
            .computeIfAbsent(table, k -> new ArrayList<>())
            .add(new IndexInfo(rs.getString(2), cols, rs.getBoolean(4), origin, rs.getString(5)));
      }
    }
    List<TableInfo> tables = new ArrayList<>();
    List<SchemaObject> objects = new ArrayList<>();
    for (Map.Entry<String, List<ColumnInfo>> e : columns.entrySet()) {
      String table = e.getKey();
      List<String> pk = pks.getOrDefault(table, List.of());
      List<ColumnInfo> cols = new ArrayList<>();
      for (ColumnInfo ci : e.getValue()) {
        int at = pk.indexOf(ci.name()) + 1;
        cols.add(
            new ColumnInfo(
                ci.name(), ci.declaredType(), ci.notNull(), ci.defaultSql(), at, ci.json()));
      }
      List<IndexInfo> idx = indexes.getOrDefault(table, List.of());
      tables.add(
          new TableInfo(
              table, null, cols, pk, List.of(), idx, false, identity.getOrDefault(table, false)));
      for (IndexInfo i : idx) {
        if (i.origin().equals("c")) {
          objects.add(new SchemaObject("index", i.name(), table, i.sql()));
        }
      }
    }
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()"
                    + " ORDER BY viewname")) {
      while (rs.next()) {
        objects.add(
            new SchemaObject(
                "view",
                rs.getString(1),
                rs.getString(1),
                "CREATE VIEW "
                    + PostgresDialect.INSTANCE.quote(rs.getString(1))
                    + " AS "
                    + rs.getString(2)));
      }
    }
    Map<String, String> settings = new LinkedHashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database"
                    + " WHERE datname = current_database()")) {
      if (rs.next()) {
        settings.put("encoding", rs.getString(1));
        settings.put("collation", rs.getString(2));
      }
    }
    return new Catalog(Engine.forLabel("postgres"), tables, objects, settings);
  }

  /**
   * A table's name as the model spells it ({@code experiment} is the model's {@code EXPERIMENT}),
   * so that a snapshot of it restored into an engine that keeps case names it the same way.
   */
  static String canonical(String name) {
    return io.expmgr.db.Schema.latest().find(name).map(io.expmgr.db.Table::name).orElse(name);
  }

  /**
   * A declared type as the rest of expmgr reads types: {@code timestamp(6) without time zone} is
   * {@code TIMESTAMP(6)}, and a time without digits has PostgreSQL's default of six.
   */
  static String declared(String formatType) {
    String t = formatType.toUpperCase(Locale.ROOT).replace(" WITHOUT TIME ZONE", "");
    if (t.equals("TIMESTAMP")) {
      return "TIMESTAMP(6)";
    }
    return t;
  }
}
