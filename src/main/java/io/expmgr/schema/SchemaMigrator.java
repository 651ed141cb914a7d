package io.expmgr.schema;

import io.expmgr.SchemaException;
import io.expmgr.db.Database;
import io.expmgr.db.Schema;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Optional;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Creates and versions the schema through Flyway. Each schema version is one Flyway migration;
 * Flyway's history table ({@value #HISTORY_TABLE}) records which ones a database has.
 */
public final class SchemaMigrator {
  /** Flyway's history table, present in every database expmgr created. */
  public static final String HISTORY_TABLE = "flyway_schema_history";

  private SchemaMigrator() {}

  /**
   * Brings the database to {@code targetVersion} (e.g. {@code "1.0"}), creating the tables of an
   * empty database.
   *
   * @return the number of versions applied
   */
  public static int migrate(Database db, String targetVersion) {
    try {
      MigrateResult result = flyway(db, targetVersion).migrate();
      return result.migrationsExecuted;
    } catch (FlywayException e) {
      throw new SchemaException(
          "cannot bring "
              + db.identity()
              + " to schema "
              + targetVersion
              + ": "
              + db.redact(firstLine(e)),
          e);
    }
  }

  /** Creates the current schema in an empty database. */
  public static int migrateToCurrent(Database db) {
    return migrate(db, Schema.current().version());
  }

  /**
   * The schema version recorded in the database's history, or empty when it has none (an empty
   * database, or one made by another tool).
   */
  public static Optional<String> recordedVersion(Database db) {
    return db.withConnection(
        c -> {
          if (!db.existingTables(c).contains(HISTORY_TABLE.toUpperCase())) {
            return Optional.empty();
          }
          String sql =
              "SELECT "
                  + db.dialect().quote("version")
                  + " FROM "
                  + db.dialect().quote(HISTORY_TABLE)
                  + " WHERE "
                  + db.dialect().quote("success")
                  + " = 1 AND "
                  + db.dialect().quote("version")
                  + " IS NOT NULL";
          String best = null;
          try (var st = c.createStatement();
              ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
              String v = rs.getString(1);
              if (best == null || compareVersions(v, best) > 0) {
                best = v;
              }
            }
          }
          return Optional.ofNullable(best);
        });
  }

  /** Compares dotted versions numerically: {@code 2.1 > 2.0 > 1.0}. */
  public static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int xi = i < x.length ? Integer.parseInt(x[i]) : 0;
      int yi = i < y.length ? Integer.parseInt(y[i]) : 0;
      if (xi != yi) {
        return Integer.compare(xi, yi);
      }
    }
    return 0;
  }

  private static Flyway flyway(Database db, String targetVersion) {
    return Flyway.configure(SchemaMigrator.class.getClassLoader())
        .dataSource(new DatabaseDataSource(db))
        .javaMigrations(new V1_0__Base_tables())
        // Versions come only from the migrations above: no classpath scanning at start-up.
        .locations("classpath:io/expmgr/schema/none")
        .failOnMissingLocations(false)
        .target(targetVersion)
        .table(HISTORY_TABLE)
        .validateMigrationNaming(true)
        .load();
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines()
        .map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("-"))
        .findFirst()
        .orElse(m);
  }

  /** Hands Flyway our configured connections (timeouts, pragmas, no password in URLs). */
  private static final class DatabaseDataSource implements DataSource {
    private final Database db;

    DatabaseDataSource(Database db) {
      this.db = db;
    }

    @Override
    public Connection getConnection() {
      return db.connect();
    }

    @Override
    public Connection getConnection(String username, String password) {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return Database.CONNECT_TIMEOUT_SECONDS;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
