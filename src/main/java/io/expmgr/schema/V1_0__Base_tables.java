package io.expmgr.schema;

import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import java.sql.Connection;
import java.sql.Statement;
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
    Dialect dialect = (product.contains("sqlite") ? Engine.SQLITE : Engine.MYSQL).dialect();
    try (Statement st = c.createStatement()) {
      for (Table table : Schema.v1().tables()) {
        for (String sql : Ddl.createTable(table, dialect)) {
          st.execute(sql);
        }
      }
    }
  }
}
