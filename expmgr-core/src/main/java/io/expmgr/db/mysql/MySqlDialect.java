package io.expmgr.db.mysql;

import io.expmgr.db.Catalog;
import io.expmgr.db.ColumnType;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.FlywayHistory;
import io.expmgr.db.SnapshotRestore;
import io.expmgr.db.Table;
import io.expmgr.db.Times;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** MySQL and MariaDB through MySQL Connector/J. */
public final class MySqlDialect implements Dialect {
  public static final MySqlDialect INSTANCE = new MySqlDialect();

  /** Registers the dialect with {@link Engine}. */
  public static final class Provider implements Dialect.Provider {
    @Override
    public Dialect dialect() {
      return INSTANCE;
    }
  }

  @Override
  public boolean hasJsonType() {
    return true;
  }

  @Override
  public String dropIndex(String index, String table) {
    return "DROP INDEX " + index + " ON " + table;
  }

  @Override
  public void dropDatabase(Connection c, String name) throws SQLException {
    Dialect.execute(c, "DROP DATABASE IF EXISTS " + quote(name));
  }

  @Override
  public String grantToCreateDatabase(String name, String user) {
    return "GRANT ALL ON "
        + quote(name)
        + ".* TO "
        + (user == null ? "CURRENT_USER" : "'" + user.replace("'", "''") + "'");
  }

  private MySqlDialect() {}

  @Override
  public Engine engine() {
    return Engine.MYSQL;
  }

  @Override
  public java.sql.Connection connect(Database db, ConnectRequest request)
      throws java.sql.SQLException {
    return MysqlConnections.connect(db, request);
  }

  /** A restore killed mid-way left shadow tables: swept on a writable open; never fails it. */
  @Override
  public void afterOpen(Database db, java.sql.Connection connection) {
    if (db.isReadOnly()) {
      return;
    }
    try {
      MysqlRestore.sweepLeftovers(db, connection);
    } catch (java.sql.SQLException e) {
      org.slf4j.LoggerFactory.getLogger(MySqlDialect.class)
          .debug("no sweep of restore leftovers in {}: {}", db.identity(), e.getMessage());
    }
  }

  @Override
  public String connectFailure(ConnectionConfig config, java.sql.SQLException e) {
    return MysqlConnections.connectFailure(config, e);
  }

  @Override
  public int defaultPort() {
    return ConnectionConfig.DEFAULT_PORT;
  }

  @Override
  public String refuseDatabaseName(String name) {
    return name.matches("[A-Za-z0-9_$]{1,64}")
        ? null
        : "--database must be a MySQL database name (letters, digits, _ and $, at most 64), got '"
            + name
            + "'";
  }

  @Override
  public String metadataCatalog(ConnectionConfig config) {
    return config.database();
  }

  @Override
  public Map<String, java.util.Set<String>> columnsByTable(
      java.sql.Connection c, ConnectionConfig config) throws java.sql.SQLException {
    Map<String, java.util.Set<String>> out = new java.util.HashMap<>();
    try (java.sql.PreparedStatement ps =
        c.prepareStatement(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ?")) {
      ps.setString(1, config.database());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(
                  rs.getString(1).toUpperCase(java.util.Locale.ROOT),
                  k -> new java.util.TreeSet<>())
              .add(rs.getString(2).toLowerCase(java.util.Locale.ROOT));
        }
      }
    }
    return out;
  }

  @Override
  public boolean isSinglePrecision(String baseType) {
    return baseType.equals("FLOAT");
  }

  @Override
  public boolean isTimeType(String baseType) {
    return baseType.equals("DATETIME") || baseType.equals("TIMESTAMP");
  }

  @Override
  public Catalog readCatalog(Database db, java.sql.Connection connection)
      throws java.sql.SQLException {
    return MysqlCatalog.read(connection, db.config().database());
  }

  @Override
  public SnapshotRestore snapshotRestore() {
    return MysqlRestore.INSTANCE;
  }

  @Override
  public io.expmgr.db.Failures.Kind failureKind(SQLException e) {
    switch (e.getErrorCode()) {
      case 1044, 1142, 1143, 1227, 1370, 1410, 1290, 1036:
        // database, table, column, privilege, routine and grant denials; --read-only servers;
        // read-only tables
        return io.expmgr.db.Failures.Kind.PERMISSION;
      case 1021, 1114, 3:
        return io.expmgr.db.Failures.Kind.DISK_FULL;
      case 1054, 1146:
        return io.expmgr.db.Failures.Kind.MISSING_SCHEMA;
      default:
        return io.expmgr.db.Failures.Kind.OTHER;
    }
  }

  /** A deadlock (1213) or a lock wait that timed out (1205). */
  @Override
  public boolean isTransient(SQLException e) {
    return e.getErrorCode() == 1213 || e.getErrorCode() == 1205 || Dialect.super.isTransient(e);
  }

  @Override
  public boolean isDuplicateKey(SQLException e) {
    return e.getErrorCode() == 1062 || Dialect.super.isDuplicateKey(e);
  }

  @Override
  public String nullSafeEquals(String column) {
    return column + " <=> ?";
  }

  @Override
  public String quote(String identifier) {
    return '`' + identifier.replace("`", "``") + '`';
  }

  @Override
  public String sqlType(ColumnType type) {
    return switch (type) {
      case ID -> "BIGINT";
      case INT -> "INT";
      // Indexable: 255 utf8mb4 characters stay under InnoDB's key length limit.
      case SHORT_TEXT -> "VARCHAR(255)";
      case TEXT -> "LONGTEXT";
      case DOUBLE -> "DOUBLE";
      case TIMESTAMP -> "DATETIME(6)";
    };
  }

  @Override
  public String autoIncrement() {
    return " AUTO_INCREMENT";
  }

  @Override
  public String tableOptions(Table table) {
    // Binary collation: 'A' and 'a', or 'e' and 'é', are different labels and titles.
    return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  }

  @Override
  public boolean supportsTransactionalDdl() {
    return false;
  }

  @Override
  public Statement createStreamingTextStatement(Connection connection) throws SQLException {
    Statement st =
        connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    // Connector/J's signal for row-by-row streaming instead of reading the whole result.
    st.setFetchSize(Integer.MIN_VALUE);
    return st;
  }

  @Override
  public PreparedStatement prepareStreaming(Connection connection, String sql) throws SQLException {
    // Prepared on the server: rows come in the binary protocol, so neither the server formats
    // nor the driver parses numbers and times as text.
    PreparedStatement ps =
        connection
            .unwrap(com.mysql.cj.jdbc.JdbcConnection.class)
            .serverPrepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    // Connector/J's signal for row-by-row streaming instead of reading the whole result.
    ps.setFetchSize(Integer.MIN_VALUE);
    return ps;
  }

  @Override
  public void tuneForBulkLoad(Connection connection) throws SQLException {
    Dialect.execute(connection, "SET SESSION foreign_key_checks=0", "SET SESSION unique_checks=0");
  }

  @Override
  public String defaultClause(String text) {
    // MySQL 8 takes a default for a TEXT column only as an expression; MariaDB takes both.
    return " DEFAULT ('" + text.replace("\\", "\\\\").replace("'", "''") + "')";
  }

  /** Statements of a bulk insert are cut at about this many characters (max_allowed_packet). */
  private static final int BULK_STATEMENT_CHARS = 2 << 20;

  /**
   * Multi-row INSERT statements written here, as mysqldump writes them: Connector/J's rewritten
   * batches spend more time building the same text (a bound value object per cell, copied per row)
   * than the server spends inserting.
   */
  @Override
  public void bulkInsert(Connection connection, Table table, java.util.List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    String head =
        "INSERT INTO "
            + quote(table.name())
            + " ("
            + Ddl.quoteAll(table.columnNames(), this)
            + ") VALUES ";
    var columns = table.columns();
    StringBuilder sb =
        new StringBuilder(Math.min(BULK_STATEMENT_CHARS + 65536, 64 + rows.size() * 64));
    try (Statement st = connection.createStatement()) {
      // The literals below escape with backslashes: make sure this connection reads them so.
      st.execute("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
      // No JDBC {escape} sequences here: spares the driver a scan of every statement.
      st.setEscapeProcessing(false);
      sb.append(head);
      int inStatement = 0;
      for (Object[] row : rows) {
        if (inStatement++ > 0) {
          sb.append(',');
        }
        sb.append('(');
        for (int i = 0; i < row.length; i++) {
          if (i > 0) {
            sb.append(',');
          }
          literal(sb, columns.get(i).type(), row[i]);
        }
        sb.append(')');
        if (sb.length() >= BULK_STATEMENT_CHARS) {
          st.execute(sb.toString());
          sb.setLength(0);
          sb.append(head);
          inStatement = 0;
        }
      }
      if (inStatement > 0) {
        st.execute(sb.toString());
      }
    }
  }

  /**
   * Loads the rows of {@code rows} (a {@code SELECT} of the columns, in order) into {@code table}
   * with one {@code LOAD DATA LOCAL INFILE}, streamed: the server parses tab-separated text much
   * faster than INSERT statements. The connection must come from {@link
   * Database#connectForLoading()}.
   *
   * @return rows loaded
   * @throws SQLException if the server skipped or changed any row (LOAD DATA LOCAL turns such
   *     errors into warnings), or fewer rows arrived than were sent
   */
  long loadData(Connection connection, String table, java.util.List<String> columns, ResultSet rows)
      throws SQLException {
    LoadDataStream in = new LoadDataStream(rows, columns.size());
    long loaded;
    try {
      loaded = loadStream(connection, table, columns, in);
    } catch (SQLException e) {
      if (in.failure() != null) {
        // The driver wraps the stream's own reason in lines of its own: say it plainly.
        throw new SQLException(
            "loading "
                + table
                + " stopped at row "
                + (in.count() + 1)
                + ": "
                + in.failure().getMessage(),
            in.failure());
      }
      throw e;
    }
    if (loaded != in.count()) {
      throw new SQLException(
          "loading " + table + " stored " + loaded + " of " + in.count() + " rows");
    }
    return loaded;
  }

  /**
   * Loads text in {@link LoadDataStream#FORMAT} into a table with {@code LOAD DATA LOCAL INFILE};
   * any warning (a changed or skipped row) fails the load.
   *
   * @return rows stored
   */
  long loadStream(
      Connection connection, String table, java.util.List<String> columns, java.io.InputStream in)
      throws SQLException {
    long loaded;
    try (Statement st = connection.createStatement()) {
      st.setEscapeProcessing(false);
      st.unwrap(com.mysql.cj.jdbc.JdbcStatement.class).setLocalInfileInputStream(in);
      loaded =
          st.executeLargeUpdate(
              "LOAD DATA LOCAL INFILE 'expmgr-rows' INTO TABLE "
                  + quote(table)
                  + LoadDataStream.FORMAT
                  + " ("
                  + Ddl.quoteAll(columns, this)
                  + ")");
    }
    try (Statement st = connection.createStatement()) {
      st.unwrap(com.mysql.cj.jdbc.JdbcStatement.class)
          .setLocalInfileInputStream(java.io.InputStream.nullInputStream());
      try (ResultSet w = st.executeQuery("SHOW WARNINGS LIMIT 1")) {
        if (w.next()) {
          throw new SQLException(
              "loading " + table + " changed or skipped rows: " + w.getString("Message"));
        }
      }
    }
    return loaded;
  }

  @Override
  public void insertValues(
      Connection connection,
      String table,
      java.util.List<String> columns,
      java.util.List<Object[]> rows)
      throws SQLException {
    insertText(connection, table, columns, rows);
  }

  /**
   * Inserts rows of text values (numbers as their text, as a literal's) with multi-row INSERT
   * statements, for servers that refuse {@code LOAD DATA LOCAL}: the server converts each literal
   * to its column's type.
   */
  void insertText(
      Connection connection,
      String table,
      java.util.List<String> columns,
      java.util.List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    String head = "INSERT INTO " + quote(table) + " (" + Ddl.quoteAll(columns, this) + ") VALUES ";
    StringBuilder sb = new StringBuilder(head);
    try (Statement st = connection.createStatement()) {
      st.execute("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
      st.setEscapeProcessing(false);
      int inStatement = 0;
      for (Object[] row : rows) {
        if (inStatement++ > 0) {
          sb.append(',');
        }
        sb.append('(');
        for (int i = 0; i < row.length; i++) {
          if (i > 0) {
            sb.append(',');
          }
          Object v = row[i];
          if (v == null) {
            sb.append("NULL");
          } else if (v instanceof Number n && !(v instanceof Double d && !Double.isFinite(d))) {
            sb.append(n);
          } else if (v instanceof java.time.LocalDateTime t) {
            sb.append('\'').append(Times.format(t)).append('\'');
          } else {
            quoteString(
                sb,
                v instanceof byte[] b
                    ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                    : v.toString());
          }
        }
        sb.append(')');
        if (sb.length() >= BULK_STATEMENT_CHARS) {
          st.execute(sb.toString());
          sb.setLength(0);
          sb.append(head);
          inStatement = 0;
        }
      }
      if (inStatement > 0) {
        st.execute(sb.toString());
      }
    }
  }

  /**
   * Prepares a connection of {@link Database#connectForLoading()}: bulk settings, backslash escapes
   * read as such. Each statement carries an empty stream for any file request.
   */
  void prepareForLoading(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.unwrap(com.mysql.cj.jdbc.JdbcStatement.class)
          .setLocalInfileInputStream(java.io.InputStream.nullInputStream());
      st.execute(
          "SET SESSION foreign_key_checks=0, unique_checks=0,"
              + " sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
    }
  }

  private static void literal(StringBuilder sb, ColumnType type, Object v) throws SQLException {
    if (v == null) {
      sb.append("NULL");
      return;
    }
    switch (type) {
      case ID, INT -> sb.append(((Number) v).longValue());
      case DOUBLE -> {
        double d = ((Number) v).doubleValue();
        if (!Double.isFinite(d)) {
          throw new SQLException("MySQL cannot store " + d + " in a DOUBLE column");
        }
        // Shortest text that reads back to the same double; MySQL rounds decimal text exactly.
        sb.append(d);
      }
      case TIMESTAMP ->
          sb.append('\'').append(Times.format((java.time.LocalDateTime) v)).append('\'');
      default -> quoteString(sb, v.toString());
    }
  }

  /** A string literal with MySQL's backslash escapes (sql_mode without NO_BACKSLASH_ESCAPES). */
  static void quoteString(StringBuilder sb, String s) {
    sb.append('\'');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\'' -> sb.append("\\'");
        case '\\' -> sb.append("\\\\");
        case '\0' -> sb.append("\\0");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\u001a' -> sb.append("\\Z");
        default -> sb.append(c);
      }
    }
    sb.append('\'');
  }

  /**
   * MySQL's {@code server_uuid} where it has one; MariaDB has none, and its machine's name, port
   * and data folder name it instead (the same through any DNS alias, address or tunnel).
   */
  @Override
  public String serverIdentity(Connection connection) throws SQLException {
    try (var st = connection.createStatement();
        var rs = st.executeQuery("SELECT @@hostname, @@port, @@datadir, VERSION()")) {
      if (!rs.next()) {
        return null;
      }
      String version = rs.getString(4);
      if (version != null && !version.toLowerCase(java.util.Locale.ROOT).contains("mariadb")) {
        try (var uuid = st.executeQuery("SELECT @@server_uuid")) {
          if (uuid.next() && uuid.getString(1) != null) {
            return "mysql-server:" + uuid.getString(1);
          }
        } catch (SQLException e) {
          // an older MySQL: the machine, port and folder below
        }
      }
      return "mysql-server:" + rs.getString(1) + ":" + rs.getInt(2) + ":" + rs.getString(3);
    }
  }

  @Override
  public boolean tryNamedLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT GET_LOCK(?, 0)")) {
      ps.setString(1, lockName(name));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getInt(1) == 1;
      }
    }
  }

  @Override
  public void releaseNamedLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT RELEASE_LOCK(?)")) {
      ps.setString(1, lockName(name));
      ps.executeQuery().close();
    }
  }

  /** Lock names are at most 64 characters: the end keeps the database's name. */
  private static String lockName(String name) {
    return name.length() > 64 ? name.substring(name.length() - 64) : name;
  }

  @Override
  public String lockingReadSuffix() {
    return " FOR UPDATE";
  }

  @Override
  public void beginConsistentRead(Connection connection) throws SQLException {
    Dialect.execute(
        connection,
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  }

  @Override
  public void suspendForeignKeyChecks(Connection connection) throws SQLException {
    Dialect.execute(connection, "SET SESSION foreign_key_checks=0");
  }

  @Override
  public void resumeForeignKeyChecks(Connection connection) throws SQLException {
    Dialect.execute(connection, "SET SESSION foreign_key_checks=1");
  }

  @Override
  public boolean reserveIds(Connection connection, Table table, String idColumn, long upTo)
      throws SQLException {
    // A copy of any row under id upTo, deleted at once: the auto-increment counter passes upTo
    // and stays there. Needs only INSERT and DELETE; an empty table has nothing to copy.
    List<String> others = new ArrayList<>();
    for (String col : table.columnNames()) {
      if (!col.equalsIgnoreCase(idColumn)) {
        others.add(quote(col));
      }
    }
    String cols = String.join(", ", others);
    try (PreparedStatement ins =
        connection.prepareStatement(
            "INSERT INTO "
                + quote(table.name())
                + " ("
                + quote(idColumn)
                + (cols.isEmpty() ? "" : ", " + cols)
                + ") SELECT ?"
                + (cols.isEmpty() ? "" : ", " + cols)
                + " FROM "
                + quote(table.name())
                + " LIMIT 1")) {
      ins.setLong(1, upTo);
      if (ins.executeUpdate() == 0) {
        return false;
      }
    }
    try (PreparedStatement del =
        connection.prepareStatement(
            "DELETE FROM " + quote(table.name()) + " WHERE " + quote(idColumn) + " = ?")) {
      del.setLong(1, upTo);
      del.executeUpdate();
    }
    return true;
  }

  @Override
  public FlywayHistory.Types flywayHistoryTypes() {
    return new FlywayHistory.Types("INT", "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP", "BOOL");
  }
}
