package io.expmgr.schema;

import io.expmgr.SchemaException;
import io.expmgr.db.Database;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    return run(db, targetVersion, null);
  }

  /**
   * Brings a database to {@code targetVersion}; one with the tables of a known version but no
   * history (made by another tool) is first recorded as that version (baselined).
   *
   * @return the number of versions applied
   */
  public static int upgrade(Database db, String targetVersion) {
    Detected found = detect(db);
    return run(db, targetVersion, found.recorded() ? null : found.version());
  }

  private static int run(Database db, String targetVersion, String baseline) {
    try {
      MigrateResult result = flyway(db, targetVersion, baseline).migrate();
      return result.migrationsExecuted;
    } catch (FlywayException e) {
      throw new SchemaException(
          "cannot bring "
              + db.identity()
              + " to schema "
              + targetVersion
              + ": "
              + db.redact(reason(e)),
          e);
    }
  }

  /**
   * Why a migration failed: Flyway's own first line says only that it did ("Migration failed !"),
   * the database's refusal is in its causes.
   */
  private static String reason(FlywayException e) {
    String own = firstLine(e);
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException sql && sql.getMessage() != null) {
        return own + " (" + sql.getMessage().lines().findFirst().orElse("") + ")";
      }
    }
    return own;
  }

  /**
   * Makes the version history say {@code version} and nothing above it: after a restore has put
   * back the tables of that version, and after a failed upgrade (which Flyway records as failed).
   */
  public static void resetHistory(Database db, String version) {
    db.withConnection(
        c -> {
          if (db.existingTables(c).contains(HISTORY_TABLE.toUpperCase())) {
            io.expmgr.db.Dialect.execute(c, "DROP TABLE " + db.dialect().quote(HISTORY_TABLE));
          }
          return null;
        });
    try {
      flyway(db, version, version).baseline();
    } catch (FlywayException e) {
      throw new SchemaException(
          "cannot record schema " + version + " in " + db.identity() + ": " + firstLine(e), e);
    }
  }

  /** What a database's schema is, and how that is known. */
  public record Detected(
      String version,
      boolean recorded,
      Map<String, SchemaCheck.Gaps> gapsByVersion,
      java.util.Set<String> existingTables) {
    /** True when the database has none of the experiment tables. */
    public boolean isEmpty() {
      return version == null
          && gapsByVersion.values().stream().allMatch(g -> g.isEmpty(Schema.v1()));
    }
  }

  /**
   * The database's schema version: the one its history records or, for a database made by another
   * tool, the newest version whose tables and columns it has (null when none matches).
   *
   * @throws SchemaException when the history records a version newer than this build knows
   */
  public static Detected detect(Database db) {
    Map<String, SchemaCheck.Gaps> gaps = new LinkedHashMap<>();
    java.util.Set<String> tables =
        db.withConnection(
            c -> {
              SchemaCheck.Existing existing = SchemaCheck.Existing.of(db, c);
              for (Schema v : Schema.versions()) {
                gaps.put(v.version(), SchemaCheck.gaps(existing, v));
              }
              return existing.tables();
            });
    Optional<String> recorded = recordedVersion(db);
    if (recorded.isPresent()) {
      if (Schema.forVersion(recorded.get()).isEmpty()) {
        throw new SchemaException(
            db.identity()
                + " has schema "
                + recorded.get()
                + ", which this expmgr does not know (it knows up to "
                + Schema.latest().version()
                + "): use a newer expmgr");
      }
      return new Detected(recorded.get(), true, gaps, tables);
    }
    String best = null;
    for (Schema v : Schema.versions()) {
      if (gaps.get(v.version()).isComplete()) {
        best = v.version();
      }
    }
    return new Detected(best, false, gaps, tables);
  }

  /**
   * The schema model of the database's version as the database holds it (the batch level only when
   * it has it), for work that walks every table (snapshots, validation, export). An empty database
   * is taken as {@link Schema#current()}.
   *
   * @throws SchemaException when its tables match no known version, or it is newer than known
   */
  public static Schema schemaOf(Database db) {
    Detected d = detect(db);
    if (d.version() != null) {
      return Schema.forVersion(d.version()).orElseThrow().presentIn(d.existingTables());
    }
    if (d.isEmpty()) {
      return Schema.current();
    }
    SchemaCheck.Gaps g = d.gapsByVersion().get(Schema.VERSION_1_0);
    throw new SchemaException(
        db.identity()
            + " matches no schema version expmgr knows: compared with 1.0 it lacks "
            + String.join(", ", concat(g.missingTables(), g.missingColumns())));
  }

  /**
   * The database's version as every command reports it: the recorded one, else the one its tables
   * match, else {@code unknown}; {@code none} for a database without the experiment tables.
   */
  public static String versionOf(Database db) {
    Detected d = detect(db);
    if (d.version() != null) {
      return d.version();
    }
    return d.isEmpty() ? "none" : "unknown";
  }

  /** Fails unless the database's schema is at least {@code version} (e.g. for add_metadata). */
  public static void requireAtLeast(Database db, String version, String what) {
    Schema s = schemaOf(db);
    if (compareVersions(s.version(), version) < 0) {
      throw new SchemaException(
          what
              + " needs schema "
              + version
              + " but "
              + db.identity()
              + " has "
              + s.version()
              + ": run 'expmgr schema upgrade --to "
              + version
              + "' first");
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** A hook that tests use to make a step fail half-way; null in production. */
  static volatile java.util.function.BiConsumer<String, String> faultHook;

  static void faultPoint(String version, String sql) {
    var hook = faultHook;
    if (hook != null) {
      hook.accept(version, sql);
    }
  }

  /** The schema changes an upgrade from {@code from} to {@code to} applies, per version. */
  public static Map<String, List<String>> plannedChanges(String from, String to) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (VersionStep step : steps(from, to)) {
      out.put(step.to().version(), step.describe());
    }
    return out;
  }

  /** The statements an upgrade would run on an engine, per version. */
  public static Map<String, List<String>> plannedStatements(
      String from, String to, io.expmgr.db.Dialect dialect) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (VersionStep step : steps(from, to)) {
      out.put(step.to().version(), step.statements(dialect));
    }
    return out;
  }

  private static List<VersionStep> steps(String from, String to) {
    List<VersionStep> out = new ArrayList<>();
    List<Schema> all = Schema.versions();
    for (int i = 1; i < all.size(); i++) {
      Schema a = all.get(i - 1);
      Schema b = all.get(i);
      if (compareVersions(a.version(), from) >= 0 && compareVersions(b.version(), to) <= 0) {
        out.add(new VersionStep(a, b));
      }
    }
    return out;
  }

  /**
   * Creates the current schema in an empty database, or finishes one a killed run left half made
   * ({@link #isHalfCreated}).
   */
  public static int migrateToCurrent(Database db) {
    if (isHalfCreated(db)) {
      return finishCreation(db, Schema.current().version());
    }
    return migrate(db, Schema.current().version());
  }

  /**
   * True for what a schema creation killed half way leaves (on MySQL each CREATE TABLE commits on
   * its own): no version recorded, some but not all of the 1.0 tables, every one of them empty. A
   * database another tool made, or one holding rows, is never taken for one.
   */
  public static boolean isHalfCreated(Database db) {
    if (recordedVersion(db).isPresent()) {
      return false;
    }
    Detected found = detect(db);
    if (found.version() != null || found.isEmpty()) {
      return false;
    }
    List<String> present = new ArrayList<>();
    for (io.expmgr.db.Table t : Schema.v1().tables()) {
      if (found.existingTables().contains(t.name().toUpperCase(java.util.Locale.ROOT))
          || found.existingTables().contains(t.name())) {
        present.add(t.name());
      }
    }
    if (present.isEmpty()) {
      return false;
    }
    Map<String, Long> counts = db.countRows(present);
    return counts.values().stream().allMatch(n -> n == 0);
  }

  /**
   * Finishes a creation killed half way ({@link #isHalfCreated}): the missing 1.0 tables and
   * indexes are made, then the versions up to {@code targetVersion} as for an empty database.
   */
  public static int finishCreation(Database db, String targetVersion) {
    db.withConnection(
        c -> {
          V1_0__Base_tables.create(c, db.dialect());
          return null;
        });
    resetHistory(db, "1.0");
    org.slf4j.LoggerFactory.getLogger(SchemaMigrator.class)
        .info("finished the creation of schema 1.0 in {}, left half made", db.identity());
    return 1 + (targetVersion.equals("1.0") ? 0 : migrate(db, targetVersion));
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
                  + " = ? AND "
                  + db.dialect().quote("version")
                  + " IS NOT NULL";
          String best = null;
          try (var st = c.prepareStatement(sql)) {
            // A BOOLEAN on PostgreSQL, a number elsewhere: the driver binds true as each needs.
            st.setBoolean(1, true);
            ResultSet rs = st.executeQuery();
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
    return flyway(db, targetVersion, null);
  }

  private static Flyway flyway(Database db, String targetVersion, String baselineVersion) {
    var config =
        Flyway.configure(SchemaMigrator.class.getClassLoader())
            .dataSource(new DatabaseDataSource(db))
            // Through SLF4J like the rest of the library: the application's logging decides
            // (without a provider Flyway would fall back to java.util.logging on stderr).
            .loggers("slf4j")
            .javaMigrations(
                new V1_0__Base_tables(), new V2_0__Metric_metadata(), new V2_1__Experiment_tags());
    if (baselineVersion != null) {
      config =
          config
              .baselineOnMigrate(true)
              .baselineVersion(baselineVersion)
              .baselineDescription("recognised as " + baselineVersion + " by expmgr");
    }
    return config
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
