package io.expmgr.db;

import io.expmgr.ConnectionException;
import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.internal.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * A database expmgr works on: where it is ({@link ConnectionConfig}), how to speak to it ({@link
 * Dialect}), and fresh JDBC connections on demand with the settings every command relies on.
 *
 * <p>{@link #open} checks that the database is there and answers before any work starts, and turns
 * driver failures into one readable line (missing file, not SQLite, host unknown, port closed,
 * wrong credentials, unknown database).
 */
public final class Database {
  static {
    SqliteNativeLibrary.prepare();
  }

  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** How long a connection attempt or a lock wait may take before it is reported. */
  public static final int CONNECT_TIMEOUT_SECONDS = 10;

  private static final byte[] SQLITE_MAGIC =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

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
    if (config.engine() == Engine.SQLITE) {
      checkSqliteFile(config.sqlitePath(), mode);
      // A restore or a generation killed mid-way left a work file as big as the database here.
      Path file = config.sqlitePath();
      if (file.getParent() != null) {
        io.expmgr.internal.Leftovers.sweep(file.getParent(), file.getFileName().toString());
      }
    }
    Database db = new Database(config, readOnly);
    // SQLite makes a WAL database's -wal and -shm files when it opens one: a file refused here
    // must not get them for good.
    java.util.List<Path> sideFiles = new java.util.ArrayList<>();
    if (config.engine() == Engine.SQLITE) {
      for (String suffix : new String[] {"-wal", "-shm"}) {
        Path side = config.sqlitePath().resolveSibling(config.sqlitePath().getFileName() + suffix);
        if (!Files.exists(side)) {
          sideFiles.add(side);
        }
      }
    }
    try (Connection c = db.connectRaw(mode)) {
      if (config.engine() == Engine.SQLITE) {
        // Reads the header: a file that is not SQLite fails here, not in the middle of work.
        try (var st = c.createStatement();
            var rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
          rs.next();
        }
      } else if (!readOnly) {
        sweepRestoreLeftovers(db, c);
      }
    } catch (SQLException e) {
      for (Path side : sideFiles) {
        try {
          if (!side.toString().endsWith("-wal") || Files.size(side) == 0) {
            Files.deleteIfExists(side);
          }
        } catch (java.io.IOException ignored) {
          // left as SQLite left it
        }
      }
      throw db.describeConnectFailure(e);
    }
    log.debug("opened {}", config.identity());
    return db;
  }

  /** A restore killed mid-way left shadow tables; never fails the open. */
  private static void sweepRestoreLeftovers(Database db, Connection c) {
    try {
      MysqlRestore.sweepLeftovers(db, c);
    } catch (SQLException e) {
      log.debug("no sweep of restore leftovers in {}: {}", db.identity(), e.getMessage());
    }
  }

  private static void checkSqliteFile(Path path, OpenMode mode) {
    if (Files.isDirectory(path)) {
      throw new ConnectionException("SQLite database " + path + " is a directory, not a file");
    }
    if (!Files.exists(path)) {
      if (mode == OpenMode.EXISTING) {
        throw new ConnectionException(
            "SQLite database " + path + " does not exist (check --database; nothing was created)");
      }
      Path parent = path.getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new ConnectionException(
            "cannot create SQLite database " + path + ": folder " + parent + " does not exist");
      }
      return;
    }
    if (!Files.isReadable(path)) {
      throw new ConnectionException("SQLite database " + path + " is not readable (permissions)");
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] header = in.readNBytes(SQLITE_MAGIC.length);
      if (header.length == 0) {
        return; // an empty file is an empty SQLite database
      }
      if (header.length < SQLITE_MAGIC.length || !java.util.Arrays.equals(header, SQLITE_MAGIC)) {
        throw new ConnectionException(path + " is not a SQLite database (its header is wrong)");
      }
    } catch (IOException e) {
      throw new ConnectionException(
          "cannot read SQLite database " + path + ": " + e.getMessage(), e);
    }
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
    if (unopened || config.engine() == Engine.SQLITE) {
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
      return connectRaw(OpenMode.EXISTING);
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
      return connectRaw(OpenMode.EXISTING, true);
    } catch (SQLException e) {
      throw describeConnectFailure(e);
    }
  }

  /**
   * A new MySQL connection that may stream rows to the server with {@code LOAD DATA LOCAL INFILE}
   * ({@link MySqlDialect#loadData}). Every statement it runs carries the stream it may send, so a
   * server's request for a file gets that stream and never a file; run nothing else on it.
   */
  Connection connectForLoading() {
    requireWritable("loading");
    if (config.engine() != Engine.MYSQL) {
      throw new IllegalStateException("LOAD DATA is for MySQL");
    }
    try {
      return connectRaw(OpenMode.EXISTING, false, true);
    } catch (SQLException e) {
      throw describeConnectFailure(e);
    }
  }

  private Connection connectRaw(OpenMode mode) throws SQLException {
    return connectRaw(mode, false);
  }

  private Connection connectRaw(OpenMode mode, boolean immediate) throws SQLException {
    return connectRaw(mode, immediate, false);
  }

  private Connection connectRaw(OpenMode mode, boolean immediate, boolean localInfile)
      throws SQLException {
    if (config.engine() == Engine.SQLITE) {
      SQLiteConfig sc = new SQLiteConfig();
      if (immediate) {
        sc.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
      }
      sc.setBusyTimeout(CONNECT_TIMEOUT_SECONDS * 1000);
      sc.setReadOnly(readOnly);
      if (readOnly) {
        // Reads map the file instead of copying pages out of the page cache: whole-table scans
        // (validation, exports) take a fraction of the CPU. A reader's lock keeps the mapped
        // pages from changing under it.
        sc.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, String.valueOf(MAPPED_BYTES));
      }
      // Orphans must be findable and removable: enforcement stays off, as SQLite's default.
      sc.enforceForeignKeys(false);
      if (mode == OpenMode.EXISTING) {
        // Never create an empty file behind the user's back.
        sc.resetOpenMode(org.sqlite.SQLiteOpenMode.CREATE);
      }
      return DriverManager.getConnection("jdbc:sqlite:" + config.sqlitePath(), sc.toProperties());
    }
    Properties p = new Properties();
    p.setProperty("user", config.user());
    if (config.password() != null) {
      p.setProperty("password", config.password());
    }
    p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS * 1000));
    p.setProperty("rewriteBatchedStatements", "true");
    p.setProperty("characterEncoding", "UTF-8");
    // Values of every column in UTF-8, whatever its character set (the tracker's tables are
    // latin1 on a server whose default is): the driver would otherwise pass their bytes as stored.
    p.setProperty("characterSetResults", "UTF-8");
    p.setProperty("connectionCollation", "utf8mb4_bin");
    p.setProperty("useUnicode", "true");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("allowPublicKeyRetrieval", "false");
    p.setProperty("cacheDefaultTimeZone", "false");
    p.setProperty(
        "sslMode", tlsRequiredByServer ? "PREFERRED" : config.ssl().driverValue(config.host()));
    p.setProperty("allowLoadLocalInfile", String.valueOf(localInfile));
    String url = "jdbc:mysql://" + config.urlHost() + ":" + config.port() + "/" + config.database();
    try {
      Connection c = getMysqlConnection(url, p);
      if (readOnly) {
        c.setReadOnly(true);
      }
      return c;
    } catch (SQLException e) {
      if (mode == OpenMode.CREATE && e.getErrorCode() == 1049) {
        createMysqlDatabase(p);
        return getMysqlConnection(url, p);
      }
      throw e;
    }
  }

  /** Set once a loopback server refused a connection without TLS: later ones use it at once. */
  private volatile boolean tlsRequiredByServer;

  /**
   * A connection; under {@link SslMode#AUTO} on the loopback, tried once more with TLS when the
   * server or the account insists on it ({@code require_secure_transport}, {@code REQUIRE SSL}), as
   * it would have been under {@code preferred}.
   */
  private Connection getMysqlConnection(String url, Properties p) throws SQLException {
    try {
      return DriverManager.getConnection(url, p);
    } catch (SQLException e) {
      boolean insecure =
          e.getErrorCode() == 1045
              || e.getErrorCode() == 3159
              || e.getErrorCode() == 4036
              || String.valueOf(e.getMessage()).contains("insecure transport");
      if (config.ssl() == SslMode.AUTO && "DISABLED".equals(p.getProperty("sslMode")) && insecure) {
        p.setProperty("sslMode", "PREFERRED");
        Connection c = DriverManager.getConnection(url, p);
        tlsRequiredByServer = true;
        log.info("{} needs TLS on the loopback too: connecting with it", config.identity());
        return c;
      }
      throw e;
    }
  }

  private void createMysqlDatabase(Properties p) throws SQLException {
    String url = "jdbc:mysql://" + config.urlHost() + ":" + config.port() + "/";
    try (Connection c = DriverManager.getConnection(url, p)) {
      Dialect.execute(
          c,
          "CREATE DATABASE IF NOT EXISTS "
              + dialect.quote(config.database())
              + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      log.info("created MySQL database {}", config.database());
    }
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
    String catalog = config.engine() == Engine.MYSQL ? config.database() : null;
    try (ResultSet rs = md.getTables(catalog, null, "%", new String[] {"TABLE"})) {
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
          Dialect.execute(c, "PRAGMA mmap_size=" + MAPPED_BYTES);
          return countRows(c, schema);
        });
  }

  /** As much of a SQLite file as may be mapped (SQLite caps it at its own limit, 2 GB). */
  private static final long MAPPED_BYTES = 1L << 40;

  private java.util.Map<String, Long> countRows(Connection c, Schema schema) throws SQLException {
    return countRows(c, schema.tableNames());
  }

  /** The number of rows of each of these tables, in their order. */
  public java.util.Map<String, Long> countRows(java.util.List<String> tables) {
    return withConnection(c -> countRows(c, tables));
  }

  private java.util.Map<String, Long> countRows(Connection c, java.util.List<String> tables)
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
    if (config.engine() == Engine.MYSQL) {
      try (java.sql.PreparedStatement ps =
          c.prepareStatement(
              "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                  + " WHERE TABLE_SCHEMA = ?")) {
        ps.setString(1, config.database());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.computeIfAbsent(rs.getString(1).toUpperCase(Locale.ROOT), k -> new TreeSet<>())
                .add(rs.getString(2).toLowerCase(Locale.ROOT));
          }
        }
      }
      return out;
    }
    for (String table : existingTables(c)) {
      out.put(table, existingColumns(c, table));
    }
    return out;
  }

  /** Names of the columns of a table, lower-cased; empty when the table does not exist. */
  public Set<String> existingColumns(Connection c, String table) throws SQLException {
    Set<String> names = new TreeSet<>();
    String catalog = config.engine() == Engine.MYSQL ? config.database() : null;
    try (ResultSet rs = c.getMetaData().getColumns(catalog, null, table, "%")) {
      while (rs.next()) {
        names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  /** A readable, password-free description of a SQL failure. */
  public String describe(SQLException e) {
    return redact(
        config.identity()
            + ": "
            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
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
    String text = String.valueOf(e.getMessage());
    if (config.engine() == Engine.SQLITE && text.contains("SQLITE_CORRUPT")) {
      return damagedOr(e);
    }
    return describeConnectFailureAs(e);
  }

  private ConnectionException describeConnectFailureAs(SQLException e) {
    String where =
        config.engine() == Engine.SQLITE
            ? "SQLite database " + config.sqlitePath()
            : "MySQL server " + config.host() + ":" + config.port();
    String msg;
    if (config.engine() == Engine.SQLITE) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("NOTADB") || m.contains("not a database") || m.contains("file is encrypted")) {
        msg = config.sqlitePath() + " is not a SQLite database";
      } else if (m.contains("CANTOPEN")) {
        msg = "cannot open " + where + " (missing folder or permissions)";
      } else {
        msg = "cannot open " + where + ": " + m;
      }
    } else {
      msg = describeMysqlFailure(e, where);
    }
    return new ConnectionException(redact(msg), e);
  }

  private String describeMysqlFailure(SQLException e, String where) {
    switch (e.getErrorCode()) {
      case 1045:
        return "access denied to "
            + where
            + " for user '"
            + config.user()
            + (config.password() == null || config.password().isEmpty()
                ? "' (no password was given: use --password to be asked, --password-file FILE,"
                    + " $EXPMGR_PASSWORD, or a [client] section in ~/.my.cnf)"
                : "' (wrong user or password)");
      case 1044:
        return "user '"
            + config.user()
            + "' may not use database '"
            + config.database()
            + "' on "
            + where;
      case 1049:
        return "database '" + config.database() + "' does not exist on " + where;
      default:
        break;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "unknown host '" + config.host() + "' (check --host)";
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "cannot connect to "
            + where
            + ": connection refused (is the server running? check --host and --port)";
      }
      if (t instanceof java.security.cert.CertificateException
          || t instanceof javax.net.ssl.SSLHandshakeException) {
        return "TLS with "
            + where
            + " failed: the server's certificate is not trusted under --ssl-mode "
            + config.ssl().name().toLowerCase(java.util.Locale.ROOT)
            + " (add its CA to the JVM's trust store, or use --ssl-mode required)";
      }
      if (t instanceof SocketTimeoutException) {
        return "no answer from "
            + where
            + " within "
            + CONNECT_TIMEOUT_SECONDS
            + " s (check --host and --port, or a firewall)";
      }
    }
    String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return "cannot connect to " + where + ": " + first;
  }

  /**
   * Copies a SQLite database to {@code destination} with SQLite's online backup API, all pages in
   * one step under one read transaction: the copy is consistent even while other connections write
   * (in WAL mode they are not blocked), and it never restarts.
   */
  public void backupSqliteTo(Path destination) {
    backupSqliteTo(destination, (java.util.List<String>) null);
  }

  /**
   * {@link #backupSqliteTo(Path)}, counting the rows of {@code schema}'s tables beside the copy on
   * a second connection, which takes the count off the copy's critical path.
   *
   * <p>The count must see the state the copy sees. The counting connection begins its read between
   * two readings of the copying connection's {@code PRAGMA data_version}, the second taken inside
   * the copy's read transaction: when they are equal, no other connection committed between the two
   * reads beginning, so both read the same state. When they differ this returns null, and the
   * caller counts the copy instead.
   *
   * @return rows per table of the copy, or null when they could not be counted beside it
   */
  public java.util.Map<String, Long> backupSqliteTo(
      Path destination, java.util.List<String> schema) {
    if (config.engine() != Engine.SQLITE) {
      throw new IllegalStateException("backupSqliteTo needs a SQLite database");
    }
    try (Connection c = connect();
        Connection counting = schema == null ? null : connect()) {
      java.util.concurrent.CompletableFuture<java.util.Map<String, Long>> counts = null;
      if (counting != null) {
        long before = dataVersion(c);
        counting.setAutoCommit(false);
        beginRead(counting);
        c.setAutoCommit(false);
        beginRead(c);
        if (dataVersion(c) == before) {
          counts = countBeside(counting, schema);
        }
      }
      org.sqlite.core.DB native_ = c.unwrap(org.sqlite.SQLiteConnection.class).getDatabase();
      int rc = native_.backup("main", destination.toString(), null, 100, 100, -1);
      if (rc != 0 && rc != 101) {
        throw new SQLException("backup failed with SQLite code " + rc);
      }
      java.util.Map<String, Long> result = null;
      if (counts != null) {
        try {
          result = counts.join();
        } catch (java.util.concurrent.CompletionException e) {
          throw e.getCause() instanceof RuntimeException re ? re : e;
        }
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
      return result;
    } catch (SQLException e) {
      throw damagedOr(e);
    }
  }

  /** Copies a database file that cannot change while it is being copied. */
  @FunctionalInterface
  public interface FrozenFileCopier {
    /**
     * @param file the database file
     * @param length the bytes of the consistent state: the file's first {@code length} bytes
     */
    void copy(Path file, long length) throws java.io.IOException;
  }

  /**
   * Copies a SQLite database by copying its file, when SQLite guarantees that the file holds the
   * whole of one consistent state and cannot change until the copy is done; the rows of {@code
   * schema}'s tables are counted beside it, in the same state.
   *
   * <p>A connection's read transaction pins the file:
   *
   * <ul>
   *   <li>Rollback-journal modes: the reader's shared lock keeps every writer from writing the
   *       file.
   *   <li>WAL mode: when every frame of the log has been copied back into the file (a passive
   *       checkpoint is run first, which never waits), the reader reads the file alone and holds
   *       the log's read slot 0, which no checkpoint can take while it is held: nothing is copied
   *       into the file until the read ends. Writers go on appending to the log meanwhile.
   * </ul>
   *
   * {@code PRAGMA data_version} read before the checkpoint and inside the read transaction proves
   * that no other connection committed in between, so the log was still wholly copied back when the
   * read began. When anything of this does not hold (a checkpoint held up by an older reader, a
   * commit in between), nothing is copied and this returns empty: the caller then uses {@link
   * #backupSqliteTo(Path, Schema)}.
   *
   * @return rows per table, or empty when the file could not be copied this way
   */
  public java.util.Optional<java.util.Map<String, Long>> copyFrozenSqlite(
      java.util.List<String> schema, FrozenFileCopier copier) throws java.io.IOException {
    if (config.engine() != Engine.SQLITE) {
      throw new IllegalStateException("copyFrozenSqlite needs a SQLite database");
    }
    try (Connection c = connect();
        Connection counting = connect()) {
      long before = dataVersion(c);
      String mode;
      try (var st = c.createStatement();
          var rs = st.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        mode = rs.getString(1);
      }
      if ("wal".equalsIgnoreCase(mode)) {
        try (var st = c.createStatement();
            var rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
          // busy, frames in the log, frames copied back into the file
          if (!rs.next() || rs.getInt(1) != 0 || rs.getLong(2) != rs.getLong(3)) {
            log.debug("the write-ahead log is not wholly checkpointed: using the backup API");
            return java.util.Optional.empty();
          }
        } catch (SQLException e) {
          // A read-only connection cannot checkpoint (SQLITE_IOERR_WRITE, SQLITE_READONLY) while
          // another connection holds frames in the log: the backup API reads the log as it is.
          log.debug(
              "no checkpoint from this connection ({}): using the backup API", e.getMessage());
          return java.util.Optional.empty();
        }
      } else if ("memory".equalsIgnoreCase(mode) || "off".equalsIgnoreCase(mode)) {
        return java.util.Optional.empty();
      }
      // Counting reads every page of the tables' smallest indexes: mapped, they are read in
      // place instead of copied out of the page cache (six times less time).
      Dialect.execute(counting, "PRAGMA mmap_size=" + MAPPED_BYTES);
      counting.setAutoCommit(false);
      beginRead(counting);
      c.setAutoCommit(false);
      beginRead(c);
      try {
        if (dataVersion(c) != before) {
          log.debug("a commit landed while the copy began: using the backup API");
          return java.util.Optional.empty();
        }
        long length;
        try (var st = c.createStatement();
            var rs =
                st.executeQuery(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")) {
          rs.next();
          length = rs.getLong(1);
        }
        Path file = config.sqlitePath();
        if (java.nio.file.Files.size(file) < length) {
          return java.util.Optional.empty();
        }
        var counts = countBeside(counting, schema);
        copier.copy(file, length);
        try {
          return java.util.Optional.of(counts.join());
        } catch (java.util.concurrent.CompletionException e) {
          throw e.getCause() instanceof RuntimeException re ? re : e;
        }
      } finally {
        c.rollback();
        counting.rollback();
      }
    } catch (SQLException e) {
      throw damagedOr(e);
    }
  }

  /**
   * Counts the rows of these tables on another thread, in {@code c}'s read, then checks the
   * integrity of that same state ({@link #requireIntact(Connection)}), beside the copy.
   */
  private java.util.concurrent.CompletableFuture<java.util.Map<String, Long>> countBeside(
      Connection c, java.util.List<String> schema) {
    return java.util.concurrent.CompletableFuture.supplyAsync(
        () -> {
          try {
            var counts = countRows(c, schema);
            requireIntact(c);
            return counts;
          } catch (SQLException e) {
            throw damagedOr(e);
          }
        });
  }

  /**
   * Refuses a database that fails the engine's quick integrity check (SQLite's {@code PRAGMA
   * quick_check}: every page and b-tree, without matching indexes to rows; about 1.3 s per GB from
   * the page cache). A no-op on servers, which check their own pages.
   *
   * @throws DamagedDatabaseException naming the first problems
   */
  public void requireIntact() {
    try (Connection c = connect()) {
      requireIntact(c);
    } catch (SQLException e) {
      throw damagedOr(e);
    }
  }

  /** SQLite's "malformed" and "not a database" errors as damage, others as they are. */
  private RuntimeException damagedOr(SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("SQLITE_CORRUPT") || m.contains("SQLITE_NOTADB")) {
      return new io.expmgr.DamagedDatabaseException(
          config.identity()
              + " is damaged ("
              + m.lines().findFirst().orElse(m)
              + "): nothing was copied or changed. Restore it from a snapshot (restore-snapshot),"
              + " or recover what it holds with sqlite3 DB .recover");
    }
    return new DataAccessException(describe(e), e);
  }

  private void requireIntact(Connection c) throws SQLException {
    String problem = dialect.quickCheck(c);
    if (problem != null) {
      throw new io.expmgr.DamagedDatabaseException(
          config.identity()
              + " is damaged (the engine's integrity check says: "
              + problem
              + "): nothing was copied or changed. Restore it from a snapshot (restore-snapshot), or"
              + " recover what it holds with sqlite3 DB .recover");
    }
  }

  private static long dataVersion(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("PRAGMA data_version")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Starts the read transaction of a connection in manual commit: its state is fixed from here. */
  private static void beginRead(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
      rs.next();
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
            SqliteNativeLibrary.prepare();
            org.sqlite.SQLiteJDBCLoader.initialize();
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
