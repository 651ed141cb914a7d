package io.expmgr.schema;

import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Schema 1.0: the fourteen tables of the product description, written from the schema model in the
 * dialect of the database being migrated.
 */
public final class V1_0__Base_tables extends BaseJavaMigration {
  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    String product = c.getMetaData().getDatabaseProductName().toLowerCase();
    Dialect dialect = Engine.forProductName(product).dialect();
    create(c, dialect);
  }

  /**
   * Creates what is missing of the 1.0 tables and their indexes: all of them in an empty database,
   * the rest after a run that was killed half way (on MySQL each CREATE commits on its own).
   */
  static void create(java.sql.Connection c, Dialect dialect) throws java.sql.SQLException {
    java.util.Set<String> tables = new java.util.HashSet<>();
    try (java.sql.ResultSet rs =
        c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        tables.add(rs.getString("TABLE_NAME").toUpperCase(java.util.Locale.ROOT));
      }
    }
    java.util.regex.Pattern indexName =
        java.util.regex.Pattern.compile(
            "(?i)^CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?[\"`]?([A-Za-z0-9_]+)");
    try (Statement st = c.createStatement()) {
      for (Table table : Schema.v1().tables()) {
        List<String> statements = Ddl.createTable(table, dialect);
        if (!tables.contains(table.name().toUpperCase(java.util.Locale.ROOT))) {
          for (String sql : statements) {
            st.execute(sql);
          }
          continue;
        }
        java.util.Set<String> indexes = new java.util.HashSet<>();
        try (java.sql.ResultSet rs =
            c.getMetaData().getIndexInfo(c.getCatalog(), null, table.name(), false, false)) {
          while (rs.next()) {
            String n = rs.getString("INDEX_NAME");
            if (n != null) {
              indexes.add(n.toLowerCase(java.util.Locale.ROOT));
            }
          }
        }
        for (String sql : statements.subList(1, statements.size())) {
          var m = indexName.matcher(sql.strip());
          if (!m.find() || !indexes.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
            st.execute(sql);
          }
        }
      }
    }
  }
}
