package io.expmgr.support;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Engine;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Rows;
import io.expmgr.db.Schema;
import io.expmgr.db.Sql;
import io.expmgr.db.Table;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fresh databases of either engine, and engine-neutral ways to look at their content. */
public final class TestDatabases {
  private TestDatabases() {}

  /**
   * A database that does not exist yet: a path in {@code dir}, or an unused name on the test's
   * MariaDB or PostgreSQL server.
   */
  public static ConnectionConfig fresh(Engine engine, Path dir, String name) {
    switch (engine) {
      case SQLITE:
        return ConnectionConfig.sqlite(dir.resolve(name + ".db"));
      case POSTGRES:
        PostgresServer pg = PostgresServer.get();
        return pg.config(pg.newDatabaseName(name));
      default:
        MariaDbServer server = MariaDbServer.get();
        return server.config(server.newDatabaseName(name));
    }
  }

  /** Drops a server database made by {@link #fresh}; SQLite files go with their temp folder. */
  public static void dispose(ConnectionConfig config) {
    if (config.engine() == Engine.MYSQL) {
      MariaDbServer.get().dropDatabase(config.database());
    } else if (config.engine() == Engine.POSTGRES) {
      PostgresServer.get().dropDatabase(config.database());
    }
  }

  /**
   * Every row of every model table, ordered by primary key, values as engine-neutral Java objects.
   */
  public static Map<String, List<List<Object>>> content(Database db) {
    return db.withConnection(
        c -> {
          Map<String, List<List<Object>>> out = new LinkedHashMap<>();
          for (Table t : Schema.v1().presentIn(db.existingTables(c)).tables()) {
            List<List<Object>> rows = new ArrayList<>();
            String sql =
                Sql.selectAll(t, db.dialect())
                    + " ORDER BY "
                    + Ddl.quoteAll(t.primaryKey(), db.dialect());
            try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(Arrays.asList(Rows.read(rs, t, db.dialect())));
              }
            }
            out.put(t.name(), rows);
          }
          return out;
        });
  }

  /** Rows of each table whose parent is missing, per foreign key, by anti-join over the model. */
  public static Map<String, Long> foreignKeyViolations(Database db) {
    return db.withConnection(
        c -> {
          Map<String, Long> out = new LinkedHashMap<>();
          var d = db.dialect();
          for (Table t : Schema.v1().presentIn(db.existingTables(c)).tables()) {
            long n = 0;
            for (ForeignKey fk : t.foreignKeys()) {
              List<String> join = new ArrayList<>();
              for (int i = 0; i < fk.columns().size(); i++) {
                join.add(
                    "p."
                        + d.quote(fk.parentColumns().get(i))
                        + " = c."
                        + d.quote(fk.columns().get(i)));
              }
              String sql =
                  "SELECT count(*) FROM "
                      + d.quote(t.name())
                      + " c WHERE NOT EXISTS (SELECT 1 FROM "
                      + d.quote(fk.parentTable())
                      + " p WHERE "
                      + String.join(" AND ", join)
                      + ")";
              try (PreparedStatement ps = c.prepareStatement(sql);
                  ResultSet rs = ps.executeQuery()) {
                rs.next();
                n += rs.getLong(1);
              }
            }
            if (n > 0) {
              out.put(t.name(), n);
            }
          }
          return out;
        });
  }

  /** The row count of each model table. */
  public static Map<String, Long> counts(Database db) {
    return db.withConnection(
        c -> {
          Map<String, Long> out = new LinkedHashMap<>();
          for (Table t : Schema.v1().presentIn(db.existingTables(c)).tables()) {
            try (PreparedStatement ps = c.prepareStatement(Sql.count(t, db.dialect()));
                ResultSet rs = ps.executeQuery()) {
              rs.next();
              out.put(t.name(), rs.getLong(1));
            }
          }
          return out;
        });
  }

  public static boolean isSqlite(ConnectionConfig c) {
    return c.engine() == Engine.SQLITE;
  }

  /** The one number a query returns (a count, a max). */
  public static long scalar(Database db, String sql) {
    return db.withConnection(
        c -> {
          try (var st = c.createStatement();
              var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }
}
