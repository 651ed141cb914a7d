package io.expmgr.db;

import io.expmgr.ConnectionException;
import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.internal.DaemonThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database expmgr works on: where it is ({@link ConnectionConfig}), how to speak to it ({@link
 * Dialect}), and fresh JDBC connections on demand with the settings every command relies on.
 *
 * <p>{@link #open} checks that the database is there and answers before any work starts, and turns
 * driver failures into one readable line (missing file, not SQLite, host unknown, port closed,
 * wrong credentials, unknown database).
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** How long a connection attempt or a lock wait may take before it is reported. */
  public static final int CONNECT_TIMEOUT_SECONDS = 10;

  private final ConnectionConfig config;
  private final Dialect dialect;
  private final boolean readOnly;
  private boolean unopened;
  private volatile String serverIdentity;

  private Database(ConnectionConfig config, boolean readOnly) {
    this.config = config;
    this.dialect = config.engine().dialect();
    this.readOnly = readOnly;
  }

  /**
   * Opens a database for reading and writing after checking that it is reachable.
   *
   * @param mode whether a missing SQLite file or MySQL database may be created
   * @throws ConnectionException with one readable line when it is not reachable
   */
  public static Database open(ConnectionConfig config, OpenMode mode) {
    return open(config, mode, false);
  }

  /** Opens an existing database for reading only: nothing this handle does can change it. */
  public static Database openReadOnly(ConnectionConfig config) {
    return open(config, OpenMode.EXISTING, true);
  }

  private static Database open(ConnectionConfig config, OpenMode mode, boolean readOnly) {
    Dialect dialect = config.engine().dialect();
    Runnable undo = dialect.beforeOpen(config, mode);
    Database db = new Database(config, readOnly);
    try (Connection c = db.connectRaw(mode, false, false)) {
      dialect.afterOpen(db, c);
    } catch (SQLException e) {
      undo.run();
      throw db.describeConnectFailure(e);
    }
    log.debug("opened {}", config.identity());
    return db;
  }

  /**
   * A handle that has not checked the database is there: for work that needs only its identity
   * (listing its snapshots). Connecting through it fails as {@link #open} would.
   */
  public static Database unopened(ConnectionConfig config) {
    Database db = new Database(config, true);
    db.unopened = true;
    return db;
  }

  /**
   * The server and database whatever name reached them ({@link Dialect#serverIdentity} and the
   * database name), read once; null for SQLite, a handle never opened, or a server that does not
   * say.
   */
  public String serverIdentity() {
    if (unopened || dialect.isFileDatabase()) {
      return null;
    }
    if (serverIdentity == null) {
      try {
        String server = withConnection(dialect::serverIdentity);
        serverIdentity = server == null ? "" : server + "/" + config.database();
      } catch (RuntimeException e) {
        log.debug("{} does not say which server it is: {}", config.identity(), e.getMessage());
        serverIdentity = "";
      }
    }
    return serverIdentity.isEmpty() ? null : serverIdentity;
  }

  public ConnectionConfig config() {
    return config;
  }

  public Dialect dialect() {
    return dialect;
  }

  public Engine engine() {
    return config.engine();
  }

  /** Password-free name of the database, see {@link ConnectionConfig#identity()}. */
  public String identity() {
    return config.identity();
  }

  public boolean isReadOnly() {
    return readOnly;
  }

  /** A new connection in auto-commit mode. The caller closes it. */
  public Connection connect() {
    try {
      return connectRaw(OpenMode.EXISTING, false, false);
    } catch (SQLException e) {
      throw describeConnectFailure(e);
    }
  }

  /**
   * A new connection for one write transaction that must exclude other writers from its start: on
   * SQLite its transactions begin IMMEDIATE (the write lock is taken at BEGIN, so what it read
   * cannot change before it writes); on MySQL it is an ordinary connection and the work takes row
   * locks with {@link Dialect#lockingReadSuffix()}. Switch off auto-commit to begin.
   */
  public Connection connectForWriting() {
    requireWritable("writing");
    try {
      return connectRaw(OpenMode.EXISTING, true, false);
    } catch (SQLException e) {
      throw describeConnectFailure(e);
    }
  }

  /**
   * A new connection on which the client may stream rows to the server from its side (MySQL's
   * {@code LOAD DATA LOCAL INFILE}): every statement it runs must carry the stream it may send, so
   * a server's request for a file gets that stream and never a file; run nothing else on it.
   */
  public Connection connectForLoading() {
    requireWritable("loading");
    try {
      return connectRaw(OpenMode.EXISTING, false, true);
    } catch (SQLException e) {
      throw describeConnectFailure(e);
    }
  }

  private Connection connectRaw(OpenMode mode, boolean immediate, boolean localInfile)
      throws SQLException {
    return dialect.connect(
        this, new Dialect.ConnectRequest(mode, readOnly, immediate, localInfile));
  }

  /** Runs work on a fresh connection and closes it. */
  public <T> T withConnection(SqlFunction<Connection, T> work) {
    try (Connection c = connect()) {
      return work.apply(c);
    } catch (SQLException e) {
      throw new DataAccessException(describe(e), e);
    }
  }

  /**
   * Runs work in one transaction on a fresh connection: committed if it returns, rolled back if it
   * throws.
   */
  public <T> T inTransaction(SqlFunction<Connection, T> work) {
    if (readOnly) {
      return withConnection(c -> inTransaction(c, work));
    }
    // On SQLite the write lock is taken at BEGIN (IMMEDIATE), where the busy timeout waits for
    // another writer; a transaction that reads first and writes later gets SQLITE_BUSY (or, in WAL
    // mode, SQLITE_BUSY_SNAPSHOT) at once when another connection wrote meanwhile, with no wait.
    try (Connection c = connectForWriting()) {
      return inTransaction(c, work);
    } catch (SQLException e) {
      throw new DataAccessException(describe(e), e);
    }
  }

  /** Runs work in one transaction on the given connection, restoring its auto-commit mode. */
  public static <T> T inTransaction(Connection c, SqlFunction<Connection, T> work)
      throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      T result = work.apply(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** Names of the tables that exist, upper-cased. */
  public Set<String> existingTables() {
    return withConnection(c -> existingTables(c));
  }

  /**
   * Creates tables of the tool's own bookkeeping (ledgers) that are missing, outside any
   * transaction (DDL commits on MySQL). Another process creating one meanwhile is not an error.
   */
  public void ensureTables(java.util.List<Table> tables) {
    withConnection(
        c -> {
          for (Table t : tables) {
            String name = t.name().toUpperCase(java.util.Locale.ROOT);
            if (!existingTables(c).contains(name)) {
              try {
                for (String sql : Ddl.createTable(t, dialect)) {
                  Dialect.execute(c, sql);
                }
              } catch (SQLException e) {
                if (!existingTables(c).contains(name)) {
                  throw e;
                }
              }
            }
          }
          return null;
        });
  }

  /** Names of the tables that exist, upper-cased. */
  public Set<String> existingTables(Connection c) throws SQLException {
    Set<String> names = new TreeSet<>();
    DatabaseMetaData md = c.getMetaData();
    try (ResultSet rs =
        md.getTables(
            dialect.metadataCatalog(config),
            dialect.metadataSchema(config),
            "%",
            new String[] {"TABLE"})) {
      while (rs.next()) {
        names.add(rs.getString("TABLE_NAME").toUpperCase(Locale.ROOT));
      }
    }
    return names;
  }

  /** The number of rows of each table of the schema, in schema order. */
  public java.util.Map<String, Long> countRows(Schema schema) {
    return withConnection(c -> countRows(c, schema));
  }

  /**
   * {@link #countRows(Schema)} of a SQLite file that nothing writes (a snapshot's), reading its
   * pages mapped into memory instead of copied out of the page cache: several times faster.
   */
  public java.util.Map<String, Long> countRowsMapped(Schema schema) {
    return withConnection(
        c -> {
          dialect.mapPages(c);
          return countRows(c, schema);
        });
  }

  private java.util.Map<String, Long> countRows(Connection c, Schema schema) throws SQLException {
    return countRows(c, schema.tableNames());
  }

  /** The number of rows of each of these tables, in their order. */
  public java.util.Map<String, Long> countRows(java.util.List<String> tables) {
    return withConnection(c -> countRows(c, tables));
  }

  /** The number of rows of each of these tables, in their order, in what {@code c} reads. */
  public java.util.Map<String, Long> countRows(Connection c, java.util.List<String> tables)
      throws SQLException {
    java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
    for (String t : tables) {
      try (var st = c.createStatement();
          var rs = st.executeQuery("SELECT count(*) FROM " + dialect.quote(t))) {
        rs.next();
        counts.put(t, rs.getLong(1));
      }
    }
    return counts;
  }

  /**
   * The columns of every table, lower-cased, by upper-cased table name: one query on MySQL
   * (information_schema), where asking table by table costs a round trip each.
   */
  public java.util.Map<String, Set<String>> existingColumnsByTable(Connection c)
      throws SQLException {
    java.util.Map<String, Set<String>> out = new java.util.HashMap<>();
    java.util.Map<String, Set<String>> all = dialect.columnsByTable(c, config);
    if (all != null) {
      return all;
    }
    for (String table : existingTables(c)) {
      out.put(table, existingColumns(c, table));
    }
    return out;
  }

  /** Names of the columns of a table, lower-cased; empty when the table does not exist. */
  public Set<String> existingColumns(Connection c, String table) throws SQLException {
    Set<String> names = new TreeSet<>();
    try (ResultSet rs =
        c.getMetaData()
            .getColumns(
                dialect.metadataCatalog(config),
                dialect.metadataSchema(config),
                dialect.metadataName(table),
                "%")) {
      while (rs.next()) {
        names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  /** A readable, password-free description of a SQL failure. */
  public String describe(SQLException e) {
    return redact(config.identity() + ": " + reason(e));
  }

  /** The longest a reason quoted from the driver may be before its middle is cut. */
  private static final int REASON_CHARS = 400;

  /**
   * What the server said: a failed batch's own failure rather than the batch (some drivers quote
   * every statement of it), its first lines, cut in the middle when long.
   */
  static String reason(SQLException e) {
    SQLException cause = e;
    if (e instanceof java.sql.BatchUpdateException b && b.getNextException() != null) {
      cause = b.getNextException();
    }
    String m = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    if (m.length() > REASON_CHARS) {
      m = m.substring(0, REASON_CHARS / 2) + " ... " + m.substring(m.length() - REASON_CHARS / 2);
    }
    return m;
  }

  /** Removes the password from any text that might echo it. */
  public String redact(String text) {
    String pw = config.password();
    if (text == null || pw == null || pw.length() < 3) {
      return text;
    }
    return text.replace(pw, "****");
  }

  RuntimeException describeConnectFailure(SQLException e) {
    if (dialect.isDamage(e)) {
      return failure(e);
    }
    return new ConnectionException(redact(dialect.connectFailure(config, e)), e);
  }

  /**
   * Copies a file database to {@code destination} with its engine's online backup, consistent even
   * while others write, counting the rows of {@code tables} in the same state beside the copy.
   *
   * @return rows per table of the copy, or null when they could not be counted beside it
   */
  public java.util.Map<String, Long> backupFileTo(Path destination, java.util.List<String> tables) {
    return dialect.fileCopy().backup(this, destination, tables);
  }

  /**
   * Copies a file database by copying its file, when the engine guarantees the file holds one
   * consistent state that cannot change until the copy is done; the rows of {@code tables} are
   * counted beside it, in the same state.
   *
   * @return rows per table, or empty when the file could not be copied this way (use {@link
   *     #backupFileTo})
   */
  public java.util.Optional<java.util.Map<String, Long>> copyFrozenFile(
      java.util.List<String> tables, FileCopy.FrozenFileCopier copier) throws IOException {
    return dialect.fileCopy().copyFrozen(this, tables, copier);
  }

  /**
   * Refuses a database that fails the engine's quick integrity check (SQLite's {@code PRAGMA
   * quick_check}: every page and b-tree, without matching indexes to rows; about 1.3 s per GB from
   * the page cache). A no-op on servers, which check their own pages.
   *
   * @throws io.expmgr.DamagedDatabaseException naming the first problems
   */
  public void requireIntact() {
    try (Connection c = connect()) {
      requireIntact(c);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /**
   * A failure as the caller should see it: damage the engine reports ({@link Dialect#isDamage}) as
   * {@link io.expmgr.DamagedDatabaseException}, others as {@link DataAccessException}.
   */
  public RuntimeException failure(SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (dialect.isDamage(e)) {
      return new io.expmgr.DamagedDatabaseException(
          config.identity()
              + " is damaged ("
              + m.lines().findFirst().orElse(m)
              + "): nothing was copied or changed. Restore it from a snapshot (restore-snapshot)"
              + dialect.recoveryAdvice());
    }
    return new DataAccessException(describe(e), e);
  }

  /** {@link #requireIntact()} on a connection, in the state it reads. */
  public void requireIntact(Connection c) throws SQLException {
    String problem = dialect.quickCheck(c);
    if (problem != null) {
      throw new io.expmgr.DamagedDatabaseException(
          config.identity()
              + " is damaged (the engine's integrity check says: "
              + problem
              + "): nothing was copied or changed. Restore it from a snapshot (restore-snapshot)"
              + dialect.recoveryAdvice());
    }
  }

  /**
   * Loads the JDBC drivers and SQLite's native library on a daemon thread, while the command line
   * is parsed: a quarter of a second off every command's start. The first connection waits for it
   * if it is not done.
   */
  public static void preloadInBackground() {
    DaemonThreads.start(
        "expmgr-preload",
        () -> {
          try {
            for (Engine e : Engine.values()) {
              e.dialect().preload();
            }
            DriverManager.getDrivers();
          } catch (Exception | LinkageError e) {
            // the first connection reports it
          }
        });
  }

  /** Fails with a readable message when the database is opened read-only. */
  public void requireWritable(String what) {
    if (readOnly) {
      throw new InvalidInputException(
          what + " needs a writable database, but " + identity() + " was opened read-only");
    }
  }
}
