package io.expmgr.db.sqlite;

import io.expmgr.db.Catalog;
import io.expmgr.db.ColumnType;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.FileCopy;
import io.expmgr.db.FlywayHistory;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Rows;
import io.expmgr.db.SnapshotRestore;
import io.expmgr.db.Sql;
import io.expmgr.db.Table;
import io.expmgr.db.Times;
import io.expmgr.internal.DaemonThreads;
import io.expmgr.internal.LongBitSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** SQLite through xerial's sqlite-jdbc. */
public final class SqliteDialect implements Dialect {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(SqliteDialect.class);

  public static final SqliteDialect INSTANCE = new SqliteDialect();

  /** Registers the dialect with {@link Engine}. */
  public static final class Provider implements Dialect.Provider {
    @Override
    public Dialect dialect() {
      return INSTANCE;
    }
  }

  @Override
  public boolean isFileDatabase() {
    return true;
  }

  @Override
  public boolean isSystemTable(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.equals("sqlite_sequence") || n.startsWith("sqlite_stat");
  }

  @Override
  public boolean storesNonFiniteDoubles() {
    return true;
  }

  @Override
  public boolean typesValuesDynamically() {
    return true;
  }

  @Override
  public boolean storesTimesAsText() {
    return true;
  }

  @Override
  public boolean buildsIndexesAfterBulkLoad() {
    return true;
  }

  @Override
  public void setTrackerTime(PreparedStatement ps, int index, LocalDateTime time)
      throws SQLException {
    ps.setString(index, time == null ? null : io.expmgr.db.TimeStyle.ISO_T.format(time));
  }

  @Override
  public void finishNewFile(Connection c) throws SQLException {
    // A sampled ANALYZE: enough for the planner, a few milliseconds whatever the size; WAL for
    // later concurrent use.
    Dialect.execute(c, "PRAGMA analysis_limit=1000", "ANALYZE", "PRAGMA journal_mode=WAL");
  }

  @Override
  public String connectionTrigger(String name, String table, String statement) {
    return "CREATE TEMP TRIGGER "
        + name
        + " AFTER UPDATE ON "
        + table
        + " BEGIN "
        + statement
        + "; END";
  }

  private SqliteDialect() {}

  @Override
  public Engine engine() {
    return Engine.SQLITE;
  }

  @Override
  public io.expmgr.db.Failures.Kind failureKind(java.sql.SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("SQLITE_READONLY") || m.contains("SQLITE_PERM") || m.contains("SQLITE_AUTH")) {
      return io.expmgr.db.Failures.Kind.PERMISSION;
    }
    if (m.contains("SQLITE_FULL")) {
      return io.expmgr.db.Failures.Kind.DISK_FULL;
    }
    if (m.contains("no such column") || m.contains("no such table")) {
      return io.expmgr.db.Failures.Kind.MISSING_SCHEMA;
    }
    return io.expmgr.db.Failures.Kind.OTHER;
  }

  /** Another connection held the database past the busy timeout, or changed it under a read. */
  @Override
  public boolean isTransient(java.sql.SQLException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("SQLITE_BUSY") || m.contains("SQLITE_LOCKED");
  }

  @Override
  public boolean isDuplicateKey(java.sql.SQLException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("UNIQUE constraint failed")
        || m.contains("PRIMARYKEY")
        || Dialect.super.isDuplicateKey(e);
  }

  /** The tracker's own translation of its MySQL DDL to SQLite. */
  @Override
  public String trackerDdl(String mysql) {
    return mysql
        .replace("INT PRIMARY KEY AUTO_INCREMENT", "INTEGER PRIMARY KEY AUTOINCREMENT")
        .replace("DATETIME", "TEXT")
        .replace("`desc`", "desc")
        .replace("JSON", "TEXT");
  }

  @Override
  public java.sql.Connection connect(Database db, ConnectRequest request)
      throws java.sql.SQLException {
    return SqliteConnections.connect(db, request);
  }

  @Override
  public Runnable beforeOpen(ConnectionConfig config, OpenMode mode) {
    return SqliteConnections.beforeOpen(config, mode);
  }

  @Override
  public void afterOpen(Database db, java.sql.Connection connection) throws java.sql.SQLException {
    SqliteConnections.afterOpen(connection);
  }

  @Override
  public String connectFailure(ConnectionConfig config, java.sql.SQLException e) {
    return SqliteConnections.connectFailure(config, e);
  }

  @Override
  public boolean isDamage(java.sql.SQLException e) {
    return SqliteConnections.isDamage(e);
  }

  @Override
  public String recoveryAdvice() {
    return ", or recover what it holds with sqlite3 DB .recover";
  }

  @Override
  public void preload() {
    SqliteNativeLibrary.prepare();
    try {
      org.sqlite.SQLiteJDBCLoader.initialize();
    } catch (Exception e) {
      // the first connection reports it
    }
  }

  @Override
  public FileCopy fileCopy() {
    return SqliteFileCopy.INSTANCE;
  }

  @Override
  public Catalog readCatalog(Database db, java.sql.Connection connection)
      throws java.sql.SQLException {
    return SqliteCatalog.read(connection);
  }

  @Override
  public SnapshotRestore snapshotRestore() {
    return SqliteRestore.INSTANCE;
  }

  @Override
  public String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public String sqlType(ColumnType type) {
    return switch (type) {
      // Exactly INTEGER, so that a single-column primary key is the rowid.
      case ID, INT -> "INTEGER";
      case SHORT_TEXT, TEXT -> "TEXT";
      case DOUBLE -> "DOUBLE";
      case TIMESTAMP -> "DATETIME";
    };
  }

  @Override
  public String autoIncrement() {
    // As the tracker declares its ids: other writers' new ids never land in a range a migration
    // reserved (through sqlite_sequence), and ids of deleted rows are never reused.
    return " PRIMARY KEY AUTOINCREMENT";
  }

  @Override
  public boolean autoIncrementDeclaresKey() {
    return true;
  }

  @Override
  public String tableOptions(Table table) {
    // Tables keyed by several columns (links, epochs) are stored in their key's order with no
    // separate rowid tree: half the writes and pages of a rowid table plus its key index.
    return table.primaryKey().size() > 1 ? " WITHOUT ROWID" : "";
  }

  @Override
  public boolean supportsTransactionalDdl() {
    return true;
  }

  @Override
  public void setTime(PreparedStatement ps, int index, LocalDateTime time) throws SQLException {
    if (time == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, Times.format(time));
    }
  }

  @Override
  public LocalDateTime getTime(ResultSet rs, int index) throws SQLException {
    return Times.parse(rs.getString(index));
  }

  @Override
  public LocalDateTime getTime(ResultSet rs, String column) throws SQLException {
    return Times.parse(rs.getString(column));
  }

  @Override
  public PreparedStatement prepareStreaming(Connection connection, String sql) throws SQLException {
    // sqlite-jdbc steps the statement as the caller advances: it never buffers the result.
    return connection.prepareStatement(sql);
  }

  /** Rows per multi-row INSERT: fewer statement steps, within SQLite's 32766 parameters. */
  private static final int ROWS_PER_INSERT = 200;

  /**
   * Multi-row INSERT statements of {@link #ROWS_PER_INSERT} rows, the rest row by row: one step of
   * the statement per 200 rows instead of one per row halves the time of a large load.
   */
  @Override
  public void bulkInsert(Connection connection, Table table, java.util.List<Object[]> rows)
      throws SQLException {
    var columns = table.columns();
    int per = Math.max(1, Math.min(ROWS_PER_INSERT, 32766 / columns.size()));
    int full = rows.size() / per * per;
    if (full > 0) {
      try (PreparedStatement ps = connection.prepareStatement(Sql.insertRows(table, this, per))) {
        for (int r = 0; r < full; r += per) {
          for (int k = 0; k < per; k++) {
            Object[] row = rows.get(r + k);
            int base = k * columns.size();
            for (int i = 0; i < row.length; i++) {
              Rows.bind(ps, base + i + 1, columns.get(i).type(), row[i], this);
            }
          }
          ps.executeUpdate();
        }
      }
    }
    Dialect.super.bulkInsert(connection, table, rows.subList(full, rows.size()));
  }

  @Override
  public void insertValues(
      Connection connection, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    insertObjects(connection, table, columns, rows);
  }

  /**
   * Inserts rows of values bound as they are ({@link Long}, {@link Double}, {@link String}, {@code
   * byte[]}, null: each keeps its storage class unless the column's affinity converts it), with
   * multi-row INSERT statements.
   */
  public static void insertObjects(
      Connection c, String table, List<String> columns, List<Object[]> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    SqliteDialect d = INSTANCE;
    int per = Math.max(1, Math.min(ROWS_PER_INSERT, 32766 / Math.max(1, columns.size())));
    String one = "(" + String.join(", ", java.util.Collections.nCopies(columns.size(), "?")) + ")";
    String head = "INSERT INTO " + d.quote(table) + " (" + Ddl.quoteAll(columns, d) + ") VALUES ";
    int full = rows.size() / per * per;
    if (full > 0) {
      try (PreparedStatement ps =
          c.prepareStatement(head + String.join(", ", java.util.Collections.nCopies(per, one)))) {
        for (int r = 0; r < full; r += per) {
          int at = 1;
          for (int k = 0; k < per; k++) {
            for (Object v : rows.get(r + k)) {
              ps.setObject(at++, v);
            }
          }
          ps.executeUpdate();
        }
      }
    }
    if (full < rows.size()) {
      try (PreparedStatement ps = c.prepareStatement(head + one)) {
        for (Object[] row : rows.subList(full, rows.size())) {
          for (int i = 0; i < row.length; i++) {
            ps.setObject(i + 1, row[i]);
          }
          ps.executeUpdate();
        }
      }
    }
  }

  @Override
  public void tuneForBulkLoad(Connection connection) throws SQLException {
    // Only used on files that are built under a temporary name and renamed when complete, so
    // losing the journal costs nothing: a crash leaves a temporary file, never a torn database.
    Dialect.execute(
        connection,
        "PRAGMA journal_mode=OFF",
        "PRAGMA synchronous=OFF",
        "PRAGMA cache_size=-262144",
        "PRAGMA temp_store=MEMORY");
  }

  @Override
  public void tuneForLargeTransaction(Connection connection) throws SQLException {
    // 256 MiB of page cache, outside the Java heap: the transaction's pages stay in memory
    // instead of spilling to the file before commit.
    Dialect.execute(connection, "PRAGMA cache_size=-262144");
    // A run reads every page of its tables once. Writes still go through the journal as always.
    mapPages(connection);
  }

  @Override
  public void mapPages(Connection connection) throws SQLException {
    // SQLite's own ceiling for a mapping (2 GB); pages beyond it are read as usual.
    Dialect.execute(connection, "PRAGMA mmap_size=2147483648");
  }

  /** A row-value comparison, which SQLite plans as one index range (the OR form it may not). */
  @Override
  public String afterKey(java.util.List<String> columns) {
    return rowValue(columns, ">");
  }

  @Override
  public String upToKey(java.util.List<String> columns) {
    return rowValue(columns, "<=");
  }

  /** {@code (a, b) op (?, ?)}, or {@code a op ?} for one column. */
  private static String rowValue(java.util.List<String> columns, String op) {
    if (columns.size() == 1) {
      return columns.get(0) + " " + op + " ?";
    }
    return "("
        + String.join(", ", columns)
        + ") "
        + op
        + " ("
        + String.join(", ", java.util.Collections.nCopies(columns.size(), "?"))
        + ")";
  }

  @Override
  public java.util.List<Object> afterKeyParameters(java.util.List<Object> key) {
    return key;
  }

  @Override
  public Long commitsByOthers(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("PRAGMA data_version")) {
      return rs.next() ? rs.getLong(1) : null;
    }
  }

  @Override
  public boolean hasConnectionTriggers() {
    return true;
  }

  /** Only in WAL mode: otherwise a reader's shared lock holds off a writer's commit. */
  @Override
  public boolean supportsConcurrentReader(Database db) {
    return db.withConnection(
        c -> {
          try (var st = c.createStatement();
              var rs = st.executeQuery("PRAGMA journal_mode")) {
            return rs.next() && "wal".equalsIgnoreCase(rs.getString(1));
          }
        });
  }

  @Override
  public void tuneForManyCommits(Connection connection) throws SQLException {
    String mode;
    try (var st = connection.createStatement();
        var rs = st.executeQuery("PRAGMA journal_mode")) {
      mode = rs.next() ? rs.getString(1) : "";
    }
    if ("delete".equalsIgnoreCase(mode)) {
      // A rollback journal's mode belongs to the connection, not the file: this one truncates its
      // journal at each commit instead of deleting it, which spares the directory two changes per
      // commit (about 0.7 ms each here) with the same atomicity and durability. Every other
      // connection keeps its own mode; untuneForManyCommits removes the empty journal file.
      Dialect.execute(connection, "PRAGMA journal_mode=TRUNCATE");
    }
    if ("wal".equalsIgnoreCase(mode)) {
      // In WAL mode NORMAL still commits atomically; it only skips the sync at each commit.
      Dialect.execute(connection, "PRAGMA synchronous=NORMAL");
      // Fold the log into the database every 64 MiB rather than every 4 MiB: far fewer
      // checkpoints, each of which syncs.
      Dialect.execute(connection, "PRAGMA wal_autocheckpoint=16384");
    }
  }

  @Override
  public void untuneForManyCommits(Connection connection) throws SQLException {
    String mode;
    try (var st = connection.createStatement();
        var rs = st.executeQuery("PRAGMA journal_mode")) {
      mode = rs.next() ? rs.getString(1) : "";
    }
    if ("truncate".equalsIgnoreCase(mode)) {
      // Back to the file's own mode, which deletes the (empty) journal.
      Dialect.execute(connection, "PRAGMA journal_mode=DELETE");
    }
  }

  /**
   * In WAL mode, a thread with a connection of its own folds the log into the database ten times a
   * second (a passive checkpoint, which never blocks the writer), so the writer does not stop at
   * each commit that crosses the threshold to copy pages and wait for the disk, and the log stays
   * small (on the 1 GB bench, commits took 3.8 s at 10 a second against 5.3 s at one every 2 s).
   * The writer keeps a high threshold of its own as a backstop, should the thread fall behind.
   */
  @Override
  public AutoCloseable checkpointInBackground(Database db, Connection writer) throws SQLException {
    String mode;
    try (var st = writer.createStatement();
        var rs = st.executeQuery("PRAGMA journal_mode")) {
      mode = rs.next() ? rs.getString(1) : "";
    }
    if (!"wal".equalsIgnoreCase(mode)) {
      return () -> {};
    }
    Dialect.execute(writer, "PRAGMA wal_autocheckpoint=65536");
    Connection own = db.connect();
    Dialect.execute(own, "PRAGMA synchronous=NORMAL");
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread thread =
        DaemonThreads.start(
            "expmgr-checkpoint",
            () -> {
              try (var st = own.createStatement()) {
                while (!stop.get()) {
                  st.execute("PRAGMA wal_checkpoint(PASSIVE)");
                  synchronized (stop) {
                    if (!stop.get()) {
                      stop.wait(100);
                    }
                  }
                }
              } catch (SQLException e) {
                log.warn("background checkpoints stopped: {}", e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    return () -> {
      stop.set(true);
      synchronized (stop) {
        stop.notifyAll();
      }
      thread.join();
      own.close();
    };
  }

  @Override
  public void beginConsistentRead(Connection connection) throws SQLException {
    // A deferred transaction takes its snapshot at the first read; read one now.
    Dialect.execute(connection, "SELECT count(*) FROM sqlite_master");
  }

  @Override
  public boolean reserveIds(Connection connection, Table table, String idColumn, long upTo)
      throws SQLException {
    String ddl = null;
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")) {
      ps.setString(1, table.name());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          ddl = rs.getString(1);
        }
      }
    }
    if (ddl == null || !ddl.toUpperCase(Locale.ROOT).contains("AUTOINCREMENT")) {
      return false;
    }
    try (PreparedStatement up =
        connection.prepareStatement(
            "UPDATE sqlite_sequence SET seq = ? WHERE name = ? COLLATE NOCASE AND seq < ?")) {
      up.setLong(1, upTo);
      up.setString(2, table.name());
      up.setLong(3, upTo);
      if (up.executeUpdate() == 0) {
        try (PreparedStatement has =
            connection.prepareStatement(
                "SELECT 1 FROM sqlite_sequence WHERE name = ? COLLATE NOCASE")) {
          has.setString(1, table.name());
          try (ResultSet rs = has.executeQuery()) {
            if (!rs.next()) {
              try (PreparedStatement ins =
                  connection.prepareStatement(
                      "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")) {
                ins.setString(1, table.name());
                ins.setLong(2, upTo);
                ins.executeUpdate();
              }
            }
          }
        }
      }
    }
    return true;
  }

  @Override
  public String integrityCheck(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Override
  public String quickCheck(Connection connection) throws SQLException {
    List<String> found = new ArrayList<>();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA quick_check(3)")) {
      while (rs.next()) {
        String.valueOf(rs.getString(1))
            .lines()
            .filter(l -> !l.isBlank() && !l.startsWith("*** in database"))
            .forEach(found::add);
      }
    }
    return found.equals(List.of("ok")) ? null : String.join("; ", found);
  }

  @Override
  public String joinInThisOrder() {
    return "CROSS JOIN";
  }

  @Override
  public String rowId(String alias) {
    return alias + ".rowid";
  }

  @Override
  public String rowIdIn(String alias, List<Long> ids) {
    if (ids.isEmpty()) {
      return "0";
    }
    StringBuilder sb = new StringBuilder(alias).append(".rowid IN (");
    for (int i = 0; i < ids.size(); i++) {
      sb.append(i > 0 ? "," : "").append(ids.get(i).longValue());
    }
    return sb.append(')').toString();
  }

  @Override
  public MissingParentRows countMissingParents(Connection connection, Table table)
      throws SQLException {
    // PRAGMA foreign_key_check runs the checks in SQLite's core, about three times faster than
    // the same anti-joins in SQL; it needs the keys declared, which foreign_key_list tells.
    Map<Integer, String> parentOf = new HashMap<>();
    Map<Integer, List<String>> pairsOf = new HashMap<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)")) {
      ps.setString(1, table.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int id = rs.getInt(1);
          parentOf.put(id, rs.getString(2).toUpperCase(Locale.ROOT));
          pairsOf
              .computeIfAbsent(id, k -> new ArrayList<>())
              .add(
                  rs.getString(3).toLowerCase(Locale.ROOT)
                      + "="
                      + String.valueOf(rs.getString(4)).toLowerCase(Locale.ROOT));
        }
      }
    }
    Map<Integer, ForeignKey> modelOf = new HashMap<>();
    for (ForeignKey fk : table.foreignKeys()) {
      List<String> pairs = new ArrayList<>();
      for (int i = 0; i < fk.columns().size(); i++) {
        pairs.add(
            fk.columns().get(i).toLowerCase(Locale.ROOT)
                + "="
                + fk.parentColumns().get(i).toLowerCase(Locale.ROOT));
      }
      Integer match = null;
      for (var e : pairsOf.entrySet()) {
        if (parentOf.get(e.getKey()).equals(fk.parentTable().toUpperCase(Locale.ROOT))
            && new HashSet<>(e.getValue()).equals(new HashSet<>(pairs))) {
          match = e.getKey();
        }
      }
      if (match == null) {
        return null;
      }
      modelOf.put(match, fk);
    }
    Map<ForeignKey, Long> counts = new LinkedHashMap<>();
    Map<ForeignKey, LongBitSet> rowIds = new LinkedHashMap<>();
    table.foreignKeys().forEach(fk -> counts.put(fk, 0L));
    table.foreignKeys().forEach(fk -> rowIds.put(fk, new LongBitSet()));
    boolean haveIds = true;
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA foreign_key_check(" + quote(table.name()) + ")")) {
      while (rs.next()) {
        ForeignKey fk = modelOf.get(rs.getInt(4));
        if (fk != null) {
          counts.merge(fk, 1L, Long::sum);
          long rowId = rs.getLong(2);
          if (rs.wasNull() || rowId < 0) {
            haveIds = false;
          } else if (haveIds) {
            rowIds.get(fk).add(rowId);
          }
        }
      }
    }
    return new MissingParentRows(counts, haveIds ? rowIds : null);
  }

  @Override
  public FlywayHistory.Types flywayHistoryTypes() {
    return new FlywayHistory.Types(
        "INT", "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))", "BOOLEAN");
  }
}
