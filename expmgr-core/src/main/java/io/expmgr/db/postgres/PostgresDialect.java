package io.expmgr.db.postgres;

import io.expmgr.db.Catalog;
import io.expmgr.db.ColumnType;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.FlywayHistory;
import io.expmgr.db.SnapshotRestore;
import io.expmgr.db.Table;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * PostgreSQL through its JDBC driver (pgjdbc). Tables live in the connection's current schema
 * ({@code public} unless the role says otherwise), named as the model names them (quoted, so {@code
 * EXPERIMENT} stays upper-case). Foreign keys are not declared: PostgreSQL cannot switch their
 * checks off for one session, and users' data has the broken links the hierarchy check reports.
 * Snapshots and restores stream rows with {@code COPY}.
 */
public final class PostgresDialect implements Dialect {
  public static final PostgresDialect INSTANCE = new PostgresDialect();

  /** Registers the dialect with {@link Engine}. */
  public static final class Provider implements Dialect.Provider {
    @Override
    public Dialect dialect() {
      return INSTANCE;
    }
  }

  /** The trigger function that moves an identity's sequence past ids written explicitly. */
  static final String ID_FUNCTION = "expmgr_ids_follow_rows";

  private PostgresDialect() {}

  @Override
  public Engine engine() {
    return Engine.forLabel("postgres");
  }

  @Override
  public String urlScheme() {
    return "postgresql";
  }

  @Override
  public List<String> urlSchemeAliases() {
    return List.of("postgres");
  }

  /** {@code json} checks its values (kept as written); {@code jsonb} also normalizes them. */
  @Override
  public boolean hasJsonType() {
    return true;
  }

  @Override
  public int defaultPort() {
    return 5432;
  }

  @Override
  public String refuseDatabaseName(String name) {
    return name.matches("[A-Za-z0-9_$-]{1,63}")
        ? null
        : "--database must be a PostgreSQL database name (letters, digits, _, $ and -, at most 63),"
            + " got '"
            + name
            + "'";
  }

  // ------------------------------------------------------------------ connecting

  @Override
  public Connection connect(Database db, ConnectRequest request) throws SQLException {
    return PostgresConnections.connect(db, request);
  }

  @Override
  public String connectFailure(ConnectionConfig config, SQLException e) {
    return PostgresConnections.connectFailure(config, e);
  }

  @Override
  public void afterOpen(Database db, Connection connection) throws SQLException {
    try (var st = connection.createStatement();
        var rs = st.executeQuery("SELECT 1")) {
      rs.next();
    }
  }

  @Override
  public String metadataSchema(ConnectionConfig config) {
    return "public";
  }

  @Override
  public String metadataName(String table) {
    return table.toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void dropDatabase(Connection c, String name) throws SQLException {
    Dialect.execute(c, "DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
  }

  @Override
  public String grantToCreateDatabase(String name, String user) {
    return "ALTER ROLE " + (user == null ? "CURRENT_USER" : quote(user)) + " CREATEDB";
  }

  @Override
  public String serverIdentity(Connection connection) throws SQLException {
    try (var st = connection.createStatement();
        var rs = st.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
      if (rs.next()) {
        return "postgres-server:" + rs.getString(1);
      }
    } catch (SQLException e) {
      // not allowed to this role: the address the server listens on
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    }
    try (var st = connection.createStatement();
        var rs = st.executeQuery("SELECT inet_server_addr(), inet_server_port()")) {
      return rs.next() ? "postgres-server:" + rs.getString(1) + ":" + rs.getInt(2) : null;
    }
  }

  // ------------------------------------------------------------------ the database as it is

  @Override
  public Catalog readCatalog(Database db, Connection connection) throws SQLException {
    return PostgresCatalog.read(connection);
  }

  @Override
  public SnapshotRestore snapshotRestore() {
    return PostgresRestore.INSTANCE;
  }

  @Override
  public boolean isSinglePrecision(String baseType) {
    return baseType.equalsIgnoreCase("REAL");
  }

  @Override
  public boolean isTimeType(String baseType) {
    return baseType.equalsIgnoreCase("TIMESTAMP");
  }

  @Override
  public ValueKind valueKind(String baseType) {
    String b = baseType.toUpperCase(java.util.Locale.ROOT);
    return switch (b) {
      case "SMALLINT", "INTEGER", "BIGINT" -> ValueKind.INTEGER;
      case "REAL" -> ValueKind.FLOAT;
      case "DOUBLE" -> ValueKind.DOUBLE;
      case "NUMERIC", "DECIMAL" -> ValueKind.DECIMAL;
      case "TIMESTAMP" -> ValueKind.TIME;
      case "BYTEA" -> ValueKind.BINARY;
      default -> ValueKind.TEXT;
    };
  }

  // ------------------------------------------------------------------ DDL

  /**
   * Quoted, and lower-cased as PostgreSQL folds a name it is given without quotes: the tables the
   * model calls {@code EXPERIMENT} are {@code experiment} here, so SQL that names them either way
   * finds them.
   */
  @Override
  public String quote(String identifier) {
    return '"' + identifier.toLowerCase(java.util.Locale.ROOT).replace("\"", "\"\"") + '"';
  }

  @Override
  public String sqlType(ColumnType type) {
    return switch (type) {
      case ID -> "BIGINT";
      case INT -> "INTEGER";
      case SHORT_TEXT -> "VARCHAR(255)";
      case TEXT -> "TEXT";
      case DOUBLE -> "DOUBLE PRECISION";
      case TIMESTAMP -> "TIMESTAMP(6)";
    };
  }

  @Override
  public String autoIncrement() {
    return " GENERATED BY DEFAULT AS IDENTITY";
  }

  @Override
  public String tableOptions(Table table) {
    return "";
  }

  @Override
  public boolean supportsTransactionalDdl() {
    return true;
  }

  @Override
  public boolean declaresForeignKeys() {
    return false;
  }

  @Override
  public boolean storesNonFiniteDoubles() {
    return true;
  }

  /**
   * An identity column takes its next value from a sequence that rows written with ids of their own
   * (an import, a restore, the generator) do not move, unlike MySQL's AUTO_INCREMENT. A trigger
   * after each INSERT or COPY statement moves the sequence past the highest id, so the next row the
   * tracker adds gets a free one.
   */
  @Override
  public List<String> afterCreateTable(Table table, String autoIdColumn) {
    return autoIdColumn == null ? List.of() : idTrigger(table.name(), autoIdColumn);
  }

  /** The function and the trigger that keep a table's identity sequence past its rows' ids. */
  List<String> idTrigger(String table, String column) {
    return List.of(
        idFunction(),
        "CREATE TRIGGER "
            + quote("expmgr_ids_" + table)
            + " AFTER INSERT ON "
            + quote(table)
            + " FOR EACH STATEMENT EXECUTE FUNCTION "
            + ID_FUNCTION
            + "('"
            + column.toLowerCase(java.util.Locale.ROOT).replace("'", "''")
            + "')");
  }

  /** The trigger function: made again by every table that needs it, the same each time. */
  static String idFunction() {
    return "CREATE OR REPLACE FUNCTION "
        + ID_FUNCTION
        + "() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
        + "DECLARE\n"
        + "  seq text := pg_get_serial_sequence(\n"
        + "    quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME), TG_ARGV[0]);\n"
        + "  top bigint;\n"
        + "  cur bigint;\n"
        + "BEGIN\n"
        + "  IF seq IS NULL THEN RETURN NULL; END IF;\n"
        + "  EXECUTE format('SELECT max(%I) FROM %I.%I', TG_ARGV[0], TG_TABLE_SCHEMA,"
        + " TG_TABLE_NAME) INTO top;\n"
        + "  IF top IS NULL THEN RETURN NULL; END IF;\n"
        + "  EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END"
        + " FROM %s', seq) INTO cur;\n"
        + "  IF top > cur THEN PERFORM setval(seq, top); END IF;\n"
        + "  RETURN NULL;\n"
        + "END\n"
        + "$f$";
  }

  @Override
  public boolean reserveIds(Connection connection, Table table, String idColumn, long upTo)
      throws SQLException {
    String sequence;
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT pg_get_serial_sequence(?, ?)")) {
      ps.setString(1, quote(table.name()));
      ps.setString(2, idColumn);
      try (ResultSet rs = ps.executeQuery()) {
        sequence = rs.next() ? rs.getString(1) : null;
      }
    }
    if (sequence == null) {
      return false;
    }
    // The sequence's name comes from the server, already quoted where it needs to be.
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT setval(?::regclass, GREATEST(?, (SELECT CASE WHEN is_called THEN last_value"
                + " ELSE last_value - 1 END FROM "
                + sequence
                + "), 1))")) {
      ps.setString(1, sequence);
      ps.setLong(2, upTo);
      ps.executeQuery().close();
    }
    return true;
  }

  /**
   * The tracker's MySQL DDL in PostgreSQL's words, for a database of the tracker's layout here (one
   * restored from a tracker's snapshot, or generated in its layout): names unquoted (folded to
   * lower case, as {@link #quote} names them), {@code DATETIME} as whole-second {@code
   * TIMESTAMP(0)}, single-precision {@code FLOAT} as {@code REAL}, {@code JSON} kept (stored as
   * written), no foreign keys, and an identity whose sequence follows explicit ids ({@link
   * #idTrigger}).
   */
  @Override
  public String trackerDdl(String statement) {
    String t =
        statement
            .replace("`desc`", "\"desc\"")
            .replace(
                "INT PRIMARY KEY AUTO_INCREMENT",
                "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            .replace("DATETIME", "TIMESTAMP(0)")
            .replace("FLOAT", "REAL")
            .replaceAll(",\\s*FOREIGN KEY \\([^)]*\\) REFERENCES \\w+\\s*\\([^)]*\\)", "");
    java.util.regex.Matcher table =
        java.util.regex.Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+)").matcher(t);
    if (t.contains("GENERATED BY DEFAULT AS IDENTITY") && table.find()) {
      List<String> trigger = idTrigger(table.group(1), "id");
      t +=
          ";\n"
              + trigger.get(0)
              + ";\n"
              + trigger.get(1).replaceFirst("^CREATE TRIGGER", "CREATE OR REPLACE TRIGGER");
    }
    return t;
  }

  // ------------------------------------------------------------------ values

  /** A missing table (42P01) or column (42703); the standard's classes otherwise. */
  @Override
  public io.expmgr.db.Failures.Kind failureKind(SQLException e) {
    String state = String.valueOf(e.getSQLState());
    if (state.equals("42P01") || state.equals("42703")) {
      return io.expmgr.db.Failures.Kind.MISSING_SCHEMA;
    }
    return Dialect.super.failureKind(e);
  }

  /** A deadlock (40P01), a lock not available (55P03), or a serialization failure. */
  @Override
  public boolean isTransient(SQLException e) {
    String state = String.valueOf(e.getSQLState());
    return state.equals("40P01") || state.equals("55P03") || Dialect.super.isTransient(e);
  }

  @Override
  public String typedNull(String declaredType) {
    return declaredType == null || declaredType.isBlank()
        ? "NULL"
        : "CAST(NULL AS " + declaredType + ")";
  }

  @Override
  public String nullSafeEquals(String column) {
    return column + " IS NOT DISTINCT FROM ?";
  }

  // ------------------------------------------------------------------ reading and writing

  /**
   * pgjdbc streams a result only inside a transaction with a fetch size; in auto-commit it reads
   * the whole result first. A connection in auto-commit is taken out of it for the statement's
   * life, and put back when the statement closes (its read-only transaction then ends), so the
   * caller's later statements commit as they did.
   */
  @Override
  public PreparedStatement prepareStreaming(Connection connection, String sql) throws SQLException {
    boolean auto = connection.getAutoCommit();
    if (auto) {
      connection.setAutoCommit(false);
    }
    PreparedStatement ps;
    try {
      ps =
          connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      ps.setFetchSize(2_000);
    } catch (SQLException | RuntimeException e) {
      if (auto) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
      throw e;
    }
    if (!auto) {
      return ps;
    }
    PreparedStatement inner = ps;
    return (PreparedStatement)
        java.lang.reflect.Proxy.newProxyInstance(
            PreparedStatement.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                try {
                  inner.close();
                } finally {
                  if (!connection.isClosed() && !connection.getAutoCommit()) {
                    connection.commit();
                    connection.setAutoCommit(true);
                  }
                }
                return null;
              }
              try {
                return method.invoke(inner, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public void tuneForBulkLoad(Connection connection) throws SQLException {
    // Nothing weakens durability; a bulk load runs in one transaction and COPY where it can.
  }

  @Override
  public void bulkInsert(Connection connection, Table table, List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    CopyText.copyRows(connection, table.name(), table.columnNames(), rows, this);
  }

  @Override
  public void insertValues(
      Connection connection, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    CopyText.copyRows(connection, table, columns, rows, this);
  }

  @Override
  public long copyOutText(Connection connection, String select, OutputStream out)
      throws SQLException, IOException {
    CopyText.ToTsv filter = new CopyText.ToTsv(out);
    long rows =
        connection
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyOut("COPY (" + select + ") TO STDOUT", filter);
    filter.finish();
    return rows;
  }

  /** A consistent read: one REPEATABLE READ transaction sees one state of every table. */
  @Override
  public void beginConsistentRead(Connection connection) throws SQLException {
    connection.commit();
    Dialect.execute(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  }

  @Override
  public String lockingReadSuffix() {
    return " FOR UPDATE";
  }

  /**
   * PostgreSQL takes no row lock for an aggregate: the table is locked against other writers (SHARE
   * ROW EXCLUSIVE lets readers on) until the transaction ends, then its highest value read.
   */
  @Override
  public long lockingMax(Connection connection, String table, String column) throws SQLException {
    Dialect.execute(connection, "LOCK TABLE " + quote(table) + " IN SHARE ROW EXCLUSIVE MODE");
    try (var st = connection.createStatement();
        var rs = st.executeQuery("SELECT max(" + quote(column) + ") FROM " + quote(table))) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public boolean tryNamedLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  @Override
  public void releaseNamedLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT pg_advisory_unlock(hashtextextended(?, 0))")) {
      ps.setString(1, name);
      ps.executeQuery().close();
    }
  }

  @Override
  public FlywayHistory.Types flywayHistoryTypes() {
    return new FlywayHistory.Types("INTEGER", "TIMESTAMP NOT NULL DEFAULT now()", "BOOLEAN");
  }
}
