package io.expmgr.db;

import io.expmgr.internal.LongBitSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

/**
 * Everything that differs between SQLite, MySQL/MariaDB and PostgreSQL lives behind this interface,
 * so that no SQL outside {@code db/} has to know which engine it runs on.
 */
public interface Dialect {

  /**
   * How an engine's package makes its dialect known: listed in {@code
   * META-INF/services/io.expmgr.db.Dialect$Provider}, found by {@link Engine#dialect()}.
   */
  interface Provider {
    Dialect dialect();
  }

  Engine engine();

  /**
   * The scheme of the engine's URLs and identities ({@code sqlite:/path}, {@code
   * mysql://user@host:3306/db}). Default: the engine's label.
   */
  default String urlScheme() {
    return engine().label();
  }

  /** Other schemes that name this engine in a URL ({@code postgres://}). Default: none. */
  default List<String> urlSchemeAliases() {
    return List.of();
  }

  /** The server's port when none is given. Default: none (a file engine). */
  default int defaultPort() {
    return 0;
  }

  /**
   * Why a database name cannot name a database of this engine, as one line, or null when it can.
   * Default: any name.
   */
  default String refuseDatabaseName(String name) {
    return null;
  }

  /**
   * A statement of the experiment tracker's DDL (written for MySQL, as the tracker writes it) or
   * one of its column types, in this engine's form. Default: as it is.
   */
  default String trackerDdl(String statement) {
    return statement;
  }

  /**
   * A statement whose results come row by row as the server's text (each value's bytes as the
   * engine writes it), not loaded whole. Default: a forward-only statement fetching 1,000 rows at a
   * time.
   */
  default Statement createStreamingTextStatement(Connection connection) throws SQLException {
    Statement st =
        connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    st.setFetchSize(1_000);
    return st;
  }

  /**
   * Writes the rows of a query as {@link TsvTables} text with the engine's own bulk copy, on a
   * connection inside a read transaction; -1 when the engine has none, and the rows are then read
   * through JDBC. Default: none.
   *
   * @return the rows written, or -1
   */
  default long copyOutText(Connection connection, String select, java.io.OutputStream out)
      throws SQLException, java.io.IOException {
    return -1;
  }

  /**
   * What a connection is opened for.
   *
   * @param mode whether a missing database may be created
   * @param readOnly whether nothing done through it may change the database
   * @param immediate whether its transactions take the write lock when they begin (SQLite)
   * @param localInfile whether it may stream rows from the client ({@code LOAD DATA LOCAL})
   */
  record ConnectRequest(OpenMode mode, boolean readOnly, boolean immediate, boolean localInfile) {}

  /**
   * A new JDBC connection to the database of {@code db} with the settings every command relies on;
   * the caller closes it and turns its failures into one line ({@link #connectFailure}).
   */
  Connection connect(Database db, ConnectRequest request) throws SQLException;

  /**
   * Checks what can be checked before connecting (a file database's path and header) and clears
   * what an interrupted run left beside it; returns what undoes the side effects of a failed
   * connection attempt. Default: nothing to check or undo.
   */
  default Runnable beforeOpen(ConnectionConfig config, OpenMode mode) {
    return () -> {};
  }

  /**
   * Called on the first connection of {@link Database#open}: proves the database answers (a file
   * that is not a database fails here, not in the middle of work) and, on a writable handle, sweeps
   * what an interrupted restore left. Default: nothing.
   */
  default void afterOpen(Database db, Connection connection) throws SQLException {}

  /** One readable line for a failure to connect (no password in it; the caller redacts it). */
  String connectFailure(ConnectionConfig config, SQLException e);

  /** Whether a failure says the database's own storage is damaged. Default: never. */
  default boolean isDamage(SQLException e) {
    return false;
  }

  /** What else a user can do with a damaged database, after restoring a snapshot. */
  default String recoveryAdvice() {
    return "";
  }

  /** The JDBC metadata catalog that holds the database's tables. Default: none (null). */
  default String metadataCatalog(ConnectionConfig config) {
    return null;
  }

  /**
   * A table's name as the JDBC metadata holds it ({@link #quote} may change its case). Default: as
   * it is.
   */
  default String metadataName(String table) {
    return table;
  }

  /** The JDBC metadata schema that holds the database's tables. Default: any (null). */
  default String metadataSchema(ConnectionConfig config) {
    return null;
  }

  /**
   * The columns of every table, lower-cased, by upper-cased table name, in one query where asking
   * table by table costs a round trip each; null to ask table by table.
   */
  default Map<String, java.util.Set<String>> columnsByTable(
      Connection connection, ConnectionConfig config) throws SQLException {
    return null;
  }

  /** Loads the driver and any native library ahead of the first connection. Default: nothing. */
  default void preload() {}

  /** Copies of a file database ({@link Database#backupFileTo}); only for a file engine. */
  default FileCopy fileCopy() {
    throw new UnsupportedOperationException(engine().label() + " is not a file database");
  }

  /**
   * Whether a declared base type ({@link Catalog.ColumnInfo#baseType}) is a single-precision float
   * that rounds a double on the way in. Default: no such type.
   */
  default boolean isSinglePrecision(String baseType) {
    return false;
  }

  /** Whether a declared base type holds date-times of the engine's own. Default: none. */
  default boolean isTimeType(String baseType) {
    return false;
  }

  /** What a typed column holds, by its declared base type: how its values are read and checked. */
  enum ValueKind {
    INTEGER,
    /** A single-precision float. */
    FLOAT,
    DOUBLE,
    DECIMAL,
    TIME,
    BINARY,
    TEXT
  }

  /**
   * The kind of a declared base type ({@link Catalog.ColumnInfo#baseType}) of a typed engine.
   * Default: the SQL names as MySQL writes them ({@code INT}, {@code BIGINT}, {@code FLOAT}, {@code
   * DOUBLE}, {@code DECIMAL}, {@code DATETIME}, {@code BLOB}, {@code VARBINARY}).
   */
  default ValueKind valueKind(String baseType) {
    String b = baseType.toUpperCase(java.util.Locale.ROOT);
    if (b.endsWith("INT") || b.equals("INTEGER")) {
      return ValueKind.INTEGER;
    }
    if (isSinglePrecision(b)) {
      return ValueKind.FLOAT;
    }
    if (b.equals("FLOAT") || b.equals("DOUBLE") || b.equals("REAL")) {
      return ValueKind.DOUBLE;
    }
    if (b.equals("DECIMAL") || b.equals("NUMERIC")) {
      return ValueKind.DECIMAL;
    }
    if (isTimeType(b)) {
      return ValueKind.TIME;
    }
    if (b.endsWith("BLOB") || b.endsWith("BINARY")) {
      return ValueKind.BINARY;
    }
    return ValueKind.TEXT;
  }

  /** Reads the database as it is: its tables, their DDL, columns, keys and indexes. */
  Catalog readCatalog(Database db, Connection connection) throws SQLException;

  /** Restores snapshots into a database of this engine. */
  SnapshotRestore snapshotRestore();

  /**
   * Whether the database is one local file (SQLite): restored by replacing the file, snapshot by
   * copying it, its state files kept beside it. A server database is none of these.
   */
  default boolean isFileDatabase() {
    return false;
  }

  /**
   * Whether a column holds whatever value it is given, a string in a number column included
   * (SQLite's type affinity), so a value keeps its storage class only between two such databases.
   */
  default boolean typesValuesDynamically() {
    return false;
  }

  /** Whether times are stored as text (SQLite) rather than in a time type. */
  default boolean storesTimesAsText() {
    return false;
  }

  /** Whether the engine has a JSON column type whose values it checks and normalizes. */
  default boolean hasJsonType() {
    return false;
  }

  /**
   * Whether a fresh database is filled fastest with its secondary indexes built after the rows
   * (from sorted data) rather than maintained row by row.
   */
  default boolean buildsIndexesAfterBulkLoad() {
    return false;
  }

  /** The statement that drops a secondary index of a table. */
  default String dropIndex(String index, String table) {
    return "DROP INDEX " + index;
  }

  /**
   * Binds a time as the experiment tracker itself writes it: ISO text with a {@code T} on SQLite
   * ({@code datetime.now().isoformat()}), whole seconds in a DATETIME on a server.
   */
  default void setTrackerTime(PreparedStatement ps, int index, LocalDateTime time)
      throws SQLException {
    ps.setObject(index, time == null ? null : time.withNano(0));
  }

  /** What a database file just filled from scratch needs before use (statistics, journal mode). */
  default void finishNewFile(Connection connection) throws SQLException {}

  /**
   * The statement that creates a trigger living only as long as this connection, running {@code
   * statement} after each UPDATE of {@code table} (whose old values it names {@code OLD.column}).
   * Only where {@link #hasConnectionTriggers()}.
   */
  default String connectionTrigger(String name, String table, String statement) {
    throw new UnsupportedOperationException(engine().label() + " has no connection triggers");
  }

  /**
   * Drops a scratch database on the server the connection reaches, if it exists. Only for server
   * engines: a file database is a file, removed as one.
   */
  default void dropDatabase(Connection connection, String name) throws SQLException {
    throw new UnsupportedOperationException(engine().label() + " databases are files");
  }

  /**
   * The statement an administrator runs so that {@code user} may create (and drop) the scratch
   * database {@code name}, for messages; null for an engine whose databases are files.
   */
  default String grantToCreateDatabase(String name, String user) {
    return null;
  }

  /** Whether a table is the engine's own bookkeeping ({@code sqlite_sequence}), not user data. */
  default boolean isSystemTable(String name) {
    return false;
  }

  /**
   * Whether tables get their foreign keys declared. An engine that cannot switch their checks off
   * for one session (to load rows before their parents, or to keep the broken links users'
   * databases have, which the hierarchy check reports) declares none. Default: declared.
   */
  default boolean declaresForeignKeys() {
    return true;
  }

  /**
   * Statements that follow the CREATE TABLE of a model table (before its indexes): what the engine
   * needs so that {@code autoIdColumn} (null when the table has none) keeps assigning new ids past
   * rows written with ids of their own. Default: none.
   */
  default List<String> afterCreateTable(Table table, String autoIdColumn) {
    return List.of();
  }

  /** Quotes an identifier ({@code desc} is reserved in MySQL). */
  String quote(String identifier);

  /** The physical type of a logical column type. */
  String sqlType(ColumnType type);

  /**
   * What follows the column type of a single-column integer primary key so that it auto-assigns.
   */
  String autoIncrement();

  /**
   * Whether {@link #autoIncrement} declares the primary key itself (SQLite's {@code PRIMARY KEY
   * AUTOINCREMENT} is a column constraint), so the table has no separate key clause.
   */
  default boolean autoIncrementDeclaresKey() {
    return false;
  }

  /** What follows the closing parenthesis of CREATE TABLE for this table. */
  String tableOptions(Table table);

  /**
   * How Flyway declares its history table's columns in this engine where engines differ (see {@link
   * FlywayHistory#create}).
   */
  FlywayHistory.Types flywayHistoryTypes();

  /** Whether DDL statements take part in transactions (SQLite yes, MySQL no). */
  boolean supportsTransactionalDdl();

  /** The DEFAULT clause of a column whose default is a constant text. */
  default String defaultClause(String text) {
    return " DEFAULT '" + text.replace("'", "''") + "'";
  }

  /** Whether DOUBLE columns hold NaN and the infinities (SQLite yes, MySQL no). */
  default boolean storesNonFiniteDoubles() {
    return false;
  }

  /**
   * Binds a time, or NULL, without losing microseconds. Default: as a {@link LocalDateTime}, which
   * a driver of an engine with a time type sends as written, with no time-zone conversion.
   */
  default void setTime(PreparedStatement ps, int index, LocalDateTime time) throws SQLException {
    if (time == null) {
      ps.setNull(index, java.sql.Types.TIMESTAMP);
    } else {
      ps.setObject(index, time);
    }
  }

  /** Reads a time written by {@link #setTime} or by another tool. Default: the time type's. */
  default LocalDateTime getTime(ResultSet rs, int index) throws SQLException {
    return rs.getObject(index, LocalDateTime.class);
  }

  /** Reads a time by column label. Default: the time type's. */
  default LocalDateTime getTime(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, LocalDateTime.class);
  }

  /**
   * Creates a statement whose result set is streamed row by row instead of being loaded whole, so
   * memory stays flat however large the table.
   */
  PreparedStatement prepareStreaming(Connection connection, String sql) throws SQLException;

  /**
   * Connection settings for a bulk load into tables that nothing else reads meanwhile (the
   * generator, a restore into a fresh file). Callers undo nothing: use it on a connection of its
   * own.
   */
  void tuneForBulkLoad(Connection connection) throws SQLException;

  /**
   * Inserts rows of a model table (values in model column order, the Java types of {@link Rows}) as
   * fast as the engine allows on this connection, inside the caller's transaction. Default: a JDBC
   * batch of one prepared statement.
   */
  default void bulkInsert(Connection connection, Table table, java.util.List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = connection.prepareStatement(Sql.insert(table, this))) {
      var columns = table.columns();
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          Rows.bind(ps, i + 1, columns.get(i).type(), row[i], this);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Inserts rows of values as they are ({@link Long}, {@link Double}, {@link String}, {@link
   * LocalDateTime}, {@code byte[]}, null) into the named columns, inside the caller's transaction:
   * each value goes in as it was read or converted, nothing rewritten on the way. Default: a JDBC
   * batch of one prepared statement.
   */
  default void insertValues(
      Connection connection, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        connection.prepareStatement(
            "INSERT INTO "
                + quote(table)
                + " ("
                + Ddl.quoteAll(columns, this)
                + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(columns.size(), "?"))
                + ")")) {
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          Values.bind(ps, i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Connection settings for one large write transaction on a live database (an import): nothing
   * that weakens durability, only more memory for pages. Default: nothing.
   */
  default void tuneForLargeTransaction(Connection connection) throws SQLException {}

  /**
   * The condition "the row comes after this key" on key columns (already qualified), for walking a
   * table in key order; bind {@link #afterKeyParameters} to it. This form spells it out as {@code a
   * >= ? AND (a > ? OR (a = ? AND b > ?) ...)}, whose first term is an index range.
   */
  default String afterKey(java.util.List<String> columns) {
    java.util.List<String> ors = new java.util.ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      java.util.List<String> ands = new java.util.ArrayList<>();
      for (int j = 0; j < i; j++) {
        ands.add(columns.get(j) + " = ?");
      }
      ands.add(columns.get(i) + " > ?");
      ors.add("(" + String.join(" AND ", ands) + ")");
    }
    return columns.get(0) + " >= ? AND (" + String.join(" OR ", ors) + ")";
  }

  /**
   * Whether a second connection may read this database while a write transaction is open on it
   * without blocking that transaction's commit. Servers: yes (MVCC).
   */
  default boolean supportsConcurrentReader(Database db) {
    return true;
  }

  /**
   * Whether a connection can have triggers of its own (SQLite's TEMP triggers), seen by no other
   * connection and gone when it closes. Servers' triggers are global: no.
   */
  default boolean hasConnectionTriggers() {
    return false;
  }

  /**
   * A number that changes whenever another connection commits a change to the database, as seen
   * from {@code c}; null where the engine has none (then callers must assume changes).
   */
  default Long commitsByOthers(Connection c) throws SQLException {
    return null;
  }

  /** A condition that {@code column} equals the bound value, a null matching a null. */
  default String nullSafeEquals(String column) {
    return column + " IS ?";
  }

  /**
   * The condition "the row comes at or before this key", the other end of a walk's range; bind
   * {@link #afterKeyParameters} of the key to it. This form spells it out as {@code a <= ? AND (a <
   * ? OR (a = ? AND b < ?) ... OR (a = ? AND b = ? AND c <= ?))}.
   */
  default String upToKey(java.util.List<String> columns) {
    java.util.List<String> ors = new java.util.ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      java.util.List<String> ands = new java.util.ArrayList<>();
      for (int j = 0; j < i; j++) {
        ands.add(columns.get(j) + " = ?");
      }
      ands.add(columns.get(i) + (i == columns.size() - 1 ? " <= ?" : " < ?"));
      ors.add("(" + String.join(" AND ", ands) + ")");
    }
    return columns.get(0) + " <= ? AND (" + String.join(" OR ", ors) + ")";
  }

  /** The parameters of {@link #afterKey} for a key, in order. */
  default java.util.List<Object> afterKeyParameters(java.util.List<Object> key) {
    java.util.List<Object> out = new java.util.ArrayList<>();
    out.add(key.get(0));
    for (int i = 0; i < key.size(); i++) {
      out.addAll(key.subList(0, i + 1));
    }
    return out;
  }

  /**
   * Prepares a connection for work committed in many small transactions, each of which carries its
   * own checkpoint (so the last few may be lost to a power cut, but never half-applied).
   */
  default void tuneForManyCommits(Connection connection) throws SQLException {}

  /**
   * Lets the connection read the database's pages through a memory mapping rather than a system
   * call per page (SQLite), for work that reads whole tables. Default: nothing.
   */
  default void mapPages(Connection connection) throws SQLException {}

  /** Undoes what {@link #tuneForManyCommits} changed that outlives the connection. */
  default void untuneForManyCommits(Connection connection) throws SQLException {}

  /**
   * Starts whatever background work keeps {@code writer}'s many commits cheap (SQLite in WAL mode:
   * checkpoints on a thread of their own); closing the result stops it. Servers need none.
   */
  default AutoCloseable checkpointInBackground(Database db, Connection writer) throws SQLException {
    return () -> {};
  }

  /**
   * Starts a read-only transaction that sees one consistent state of every table until it ends,
   * whatever other connections write meanwhile. The connection must be in manual-commit mode.
   */
  void beginConsistentRead(Connection connection) throws SQLException;

  /**
   * What the engine's own foreign-key checker found in one table: rows whose parent is missing, per
   * key of the model, and their row ids per key (null where rows have no ids, such as SQLite's
   * WITHOUT ROWID tables). Ids are held one bit each, so millions of offenders stay small.
   */
  record MissingParentRows(Map<ForeignKey, Long> counts, Map<ForeignKey, LongBitSet> rowIds) {}

  /**
   * Counts the rows of {@code table} whose parent is missing, per foreign key of the model, with
   * the engine's own checker when it has one. Returns null when it has none, or when the database
   * does not declare the model's keys: callers then use portable anti-joins.
   */
  default MissingParentRows countMissingParents(Connection connection, Table table)
      throws SQLException {
    return null;
  }

  /**
   * An inner join whose left side the engine reads first: SQLite's planner otherwise may scan a
   * large right side and probe a small derived left one.
   */
  default String joinInThisOrder() {
    return "JOIN";
  }

  /**
   * The engine's quick integrity check of the whole database: null when it passes, else its first
   * findings. Servers check their own pages: null.
   */
  default String quickCheck(Connection connection) throws SQLException {
    return null;
  }

  /**
   * The engine's full integrity check ({@code ok} when it passes, else its findings), for a file
   * nothing else writes, such as a snapshot's. Servers check their own pages: {@code ok}.
   */
  default String integrityCheck(Connection connection) throws SQLException {
    return "ok";
  }

  /**
   * Makes other writers' generated ids of {@code table} land above {@code upTo}, in the open
   * transaction, so that ids the caller planned up to there cannot be taken by them: SQLite's
   * {@code sqlite_sequence} for an AUTOINCREMENT table; on MySQL an explicit id raises the
   * auto-increment counter, which a rollback or a delete never lowers. Returns false where the
   * engine gives no such guarantee (a SQLite rowid table without AUTOINCREMENT takes max + 1).
   */
  default boolean reserveIds(Connection connection, Table table, String idColumn, long upTo)
      throws SQLException {
    return false;
  }

  /** The engine's row id of the row aliased {@code alias}, for {@link #countMissingParents}. */
  default String rowId(String alias) {
    return null;
  }

  /**
   * The condition that a row's engine row id is one of {@code ids}, for rows found by {@link
   * #countMissingParents}; null where rows have no ids.
   */
  default String rowIdIn(String alias, List<Long> ids) {
    return null;
  }

  /**
   * Lets this connection write rows whose parent is missing, or remove parents before their
   * children within a transaction (orphan cleanup, planted test data). A no-op where the engine
   * does not enforce foreign keys on our connections (SQLite).
   */
  default void suspendForeignKeyChecks(Connection connection) throws SQLException {}

  /** Undoes {@link #suspendForeignKeyChecks}. */
  default void resumeForeignKeyChecks(Connection connection) throws SQLException {}

  /**
   * What follows a {@code SELECT} inside a write transaction so that the rows it read (and the gap
   * after the last one) stay as read until commit: {@code FOR UPDATE} on MySQL; nothing on SQLite,
   * whose write transactions already exclude every other writer.
   */
  default String lockingReadSuffix() {
    return "";
  }

  /**
   * The highest value of a column, read so that no other transaction adds rows to the table until
   * this one ends: an id allocated above it stays free. Default: a locking read of {@code max()}
   * ({@link #lockingReadSuffix}), which InnoDB turns into a lock on the end of the index.
   *
   * @return the highest value, 0 when the table is empty
   */
  default long lockingMax(Connection connection, String table, String column) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT max(" + quote(column) + ") FROM " + quote(table) + lockingReadSuffix())) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * A NULL of a column's declared type, for a branch of a UNION that has no such column: engines
   * that type a union's columns from its branches need to know it. Default: a plain NULL.
   */
  default String typedNull(String declaredType) {
    return "NULL";
  }

  /**
   * Whether a failure is a duplicate key (a taken primary key or unique value). Default: the
   * standard's SQLSTATE {@code 23505}, or the driver's integrity-violation class.
   */
  default boolean isDuplicateKey(SQLException e) {
    return e instanceof java.sql.SQLIntegrityConstraintViolationException
        || "23505".equals(e.getSQLState());
  }

  /**
   * What kind of fault a failure of this engine is (a missing right, a full disk, a missing table
   * or column), or {@link Failures.Kind#OTHER} when it is none this engine knows. Default: the
   * standard's SQLSTATE classes.
   */
  default Failures.Kind failureKind(SQLException e) {
    String state = String.valueOf(e.getSQLState());
    if (state.equals("42501") || state.startsWith("28")) {
      return Failures.Kind.PERMISSION;
    }
    if (state.equals("53100")) {
      return Failures.Kind.DISK_FULL;
    }
    return Failures.Kind.OTHER;
  }

  /**
   * Whether waiting cures this failure, the work having been rolled back (a deadlock, a
   * serialization failure, a lock wait that timed out). Default: the standard's serialization
   * failure, {@code 40001}.
   */
  default boolean isTransient(SQLException e) {
    return "40001".equals(e.getSQLState());
  }

  /**
   * Takes a server-wide named lock held by this connection until it closes (and released by the
   * server when the client dies), without waiting; true when taken. SQLite has no server: true.
   */
  default boolean tryNamedLock(Connection connection, String name) throws SQLException {
    return true;
  }

  /**
   * Releases a lock taken by {@link #tryNamedLock} on this connection. Closing the connection
   * releases it too, but the server notices a closed connection a moment later, so a caller that
   * lets the next command in at once releases it first.
   */
  default void releaseNamedLock(Connection connection, String name) throws SQLException {}

  /**
   * The server itself, whatever name or address reached it (null for an engine without a server):
   * two connections that return the same text reach the same server.
   */
  default String serverIdentity(Connection connection) throws SQLException {
    return null;
  }

  /** Runs statements on a connection; helper for dialect implementations. */
  static void execute(Connection connection, String... sql) throws SQLException {
    try (Statement st = connection.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }
}
