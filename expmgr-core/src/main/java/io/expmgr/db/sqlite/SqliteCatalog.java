package io.expmgr.db.sqlite;

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

/** Reads a SQLite database's {@link Catalog}. */
final class SqliteCatalog {
  private SqliteCatalog() {}

  static Catalog read(Connection c) throws SQLException {
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
}
