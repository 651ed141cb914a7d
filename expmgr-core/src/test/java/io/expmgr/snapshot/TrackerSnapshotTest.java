package io.expmgr.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ProgressListener;
import io.expmgr.SnapshotException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.MysqlDump;
import io.expmgr.support.SqliteDump;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Snapshots of the databases users have: every table, index, view, trigger and setting comes back,
 * with its own DDL, byte for byte, in both formats; across engines the model's tables are
 * translated losslessly and the others carried.
 */
class TrackerSnapshotTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  private SnapshotManager manager(ConnectionConfig c) {
    return new SnapshotManager(Database.open(c, OpenMode.EXISTING), dir.resolve("snapshots"));
  }

  private static void execute(ConnectionConfig c, String... sql) {
    Database.open(c, OpenMode.EXISTING)
        .withConnection(
            conn -> {
              Dialect.execute(conn, sql);
              return null;
            });
  }

  /**
   * SQLite databases as users have them, and as expmgr makes them, with things it does not model.
   */
  private List<Path> sqliteDatabases() {
    List<Path> out = new ArrayList<>();
    for (String f : TrackerFixtures.FILES) {
      out.add(TrackerFixtures.copy(f, dir));
    }
    Path tracker = dir.resolve("generated-tracker.db");
    TrackerFixtures.generate(ConnectionConfig.sqlite(tracker), TrackerFixtures.batchShape(2, true));
    out.add(tracker);
    Path ours = dir.resolve("expmgr-layout.db");
    TrackerFixtures.generate(
        ConnectionConfig.sqlite(ours), new GenerateOptions(1, 2, 2, 3, 2, 3, 1, 4, 0, 0, 0));
    out.add(ours);
    // Someone else's additions: a table of their own (untyped columns, mixed with typed ones),
    // a column in a model table, an index, a view, a trigger, planner statistics, a user version.
    Path extras = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir.resolve("x"));
    execute(
        ConnectionConfig.sqlite(extras),
        "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, n, score REAL,"
            + " created DATETIME DEFAULT CURRENT_TIMESTAMP)",
        "INSERT INTO notes (body, n, score) VALUES ('tab\there', 42, 1.5),"
            + " ('line\nbreak \\\\ back', 7, NULL), ('ünïcode ✓', -3, 1e300)",
        "ALTER TABLE EXPERIMENT ADD COLUMN owner TEXT DEFAULT 'lab'",
        "CREATE INDEX notes_by_body ON notes (body)",
        "CREATE VIEW metric_types AS SELECT type, count(*) AS n FROM METRIC GROUP BY type",
        "CREATE TRIGGER notes_touch AFTER UPDATE ON notes BEGIN"
            + " UPDATE notes SET n = n + 1 WHERE id = new.id; END",
        "DELETE FROM notes WHERE id = 2",
        "ANALYZE",
        "PRAGMA user_version = 7");
    out.add(extras);
    return out;
  }

  @Test
  void bothFormatsGiveEverySqliteDatabaseBackByteForByte() {
    for (Path db : sqliteDatabases()) {
      for (SnapshotFormat format : SnapshotFormat.values()) {
        String before = SqliteDump.of(db);
        String shellBefore = SqliteDump.shellDump(db);
        ConnectionConfig c = ConnectionConfig.sqlite(db);
        SnapshotInfo s =
            manager(c).createSnapshot("exact", List.of(), format, ProgressListener.NONE);
        assertThat(manager(c).verifySnapshot(s.id()).ok()).as(db + " " + format).isTrue();
        execute(c, "DELETE FROM METRIC", "DROP TABLE IF EXISTS notes");
        manager(c).restoreSnapshot(s.id(), ProgressListener.NONE);
        assertThat(SqliteDump.difference(before, SqliteDump.of(db)))
            .as(db + " " + format)
            .isEmpty();
        if (shellBefore != null) {
          assertThat(SqliteDump.difference(shellBefore, SqliteDump.shellDump(db)))
              .as(db + " " + format)
              .isEmpty();
        }
      }
    }
  }

  @Test
  void blobsComeBackAndWhatTheTsvFormatCannotKeepIsRefused() {
    Path db = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    ConnectionConfig c = ConnectionConfig.sqlite(db);
    execute(
        c,
        "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB, label TEXT)",
        "INSERT INTO blobs VALUES (1, x'00ff10', x'0a09'), (2, NULL, NULL), (3, x'', x'5c')");
    SnapshotManager m = manager(c);
    String before = SqliteDump.of(db);
    SnapshotInfo s = m.createSnapshot("tsv", List.of(), SnapshotFormat.TSV, ProgressListener.NONE);
    execute(c, "DELETE FROM blobs");
    m.restoreSnapshot(s.id(), ProgressListener.NONE);
    assertThat(SqliteDump.of(db)).isEqualTo(before);

    execute(c, "INSERT INTO blobs VALUES (4, 'text', NULL)");
    assertThatThrownBy(
            () -> m.createSnapshot("tsv", List.of(), SnapshotFormat.TSV, ProgressListener.NONE))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(
            "table blobs column data (row 4) holds values of several storage"
                + " classes (blob and text)")
        .hasMessageContaining("use --format sqlite");
    int listed = m.listSnapshots().size();
    SnapshotInfo file =
        m.createSnapshot("file", List.of(), SnapshotFormat.SQLITE, ProgressListener.NONE);
    String mixed = SqliteDump.of(db);
    execute(c, "DELETE FROM blobs");
    m.restoreSnapshot(file.id(), ProgressListener.NONE);
    assertThat(SqliteDump.of(db)).isEqualTo(mixed);
    assertThat(m.listSnapshots()).hasSize(listed + 1);

    execute(
        c, "DELETE FROM blobs", "CREATE TABLE mixed (v)", "INSERT INTO mixed VALUES (5), ('5')");
    assertThatThrownBy(
            () -> m.createSnapshot("tsv", List.of(), SnapshotFormat.TSV, ProgressListener.NONE))
        .hasMessageContaining("several storage classes (integer and text)");
  }

  @Test
  void snapshotsTakenInTheSameSecondGetTheNextSuffix() throws Exception {
    Path db = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    SnapshotManager m = manager(ConnectionConfig.sqlite(db));
    java.nio.file.Files.createDirectories(m.directory());
    OffsetDateTime now = OffsetDateTime.now();
    String first = m.reserveIdForTest(now);
    String second = m.reserveIdForTest(now);
    assertThat(second).isEqualTo(first + "_2");
    // Taken at once by four threads: four snapshots, four ids.
    List<java.util.concurrent.Future<SnapshotInfo>> all = new ArrayList<>();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 4; i++) {
        all.add(pool.submit(() -> manager(ConnectionConfig.sqlite(db)).createSnapshot("at once")));
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (var f : all) {
        ids.add(f.get().id());
      }
      assertThat(ids).hasSize(4);
    } finally {
      pool.shutdownNow();
    }
  }

  private ConnectionConfig trackerOnMariaDb() {
    ConnectionConfig c = MariaDbServer.get().newLatin1Database("trksnap");
    made.add(c);
    TrackerFixtures.generate(c, TrackerFixtures.batchShape(9, true));
    // Latin-1 text, a FLOAT that is not a double, an unmodelled table, view and trigger.
    execute(
        c,
        "UPDATE EXPERIMENT SET title = 'café über', `desc` = 'tab\\there' WHERE id = 1",
        "UPDATE METRIC SET total_val = 0.45 WHERE id = 1",
        "INSERT INTO SCHEMA_VERSION (version, migration_name, description, applied_at)"
            + " VALUES ('1.0.0', 'init', 'first', '2026-11-30 16:45:37')",
        "CREATE TABLE notes (id INT PRIMARY KEY AUTO_INCREMENT, body VARCHAR(40), amount DECIMAL(10,3))",
        "INSERT INTO notes (body, amount) VALUES ('one', 1.250), (NULL, -0.001)",
        "CREATE VIEW metric_types AS SELECT type, count(*) AS n FROM METRIC GROUP BY type",
        "CREATE TRIGGER notes_up BEFORE UPDATE ON notes FOR EACH ROW SET new.amount = new.amount");
    return c;
  }

  @ParameterizedTest
  @EnumSource(
      value = SnapshotFormat.class,
      names = {"SQLITE", "TSV"})
  void aTrackerMariaDbDatabaseComesBackExactlyFromEitherFormat(SnapshotFormat format) {
    ConnectionConfig c = trackerOnMariaDb();
    String before = MysqlDump.of(c);
    SnapshotManager m = manager(c);
    SnapshotInfo s = m.createSnapshot("exact", List.of(), format, ProgressListener.NONE);
    assertThat(m.verifySnapshot(s.id()).ok()).isTrue();
    assertThat(s.rowCounts()).containsKeys("SCHEMA_VERSION", "notes", "BATCH_METRIC");
    execute(c, "DELETE FROM BATCH_METRIC", "DROP TABLE notes", "UPDATE EXPERIMENT SET title = 'x'");
    m.restoreSnapshot(s.id(), ProgressListener.NONE);
    assertThat(MysqlDump.of(c)).isEqualTo(before);
  }

  @Test
  void aTrackerMariaDbSnapshotRestoresIntoSqliteWithoutLoss() {
    ConnectionConfig c = trackerOnMariaDb();
    SnapshotInfo s =
        manager(c).createSnapshot("cross", List.of(), SnapshotFormat.TSV, ProgressListener.NONE);
    Path copy = dir.resolve("from-mariadb.db");
    new SnapshotManager(Database.unopened(ConnectionConfig.sqlite(copy)), dir.resolve("snapshots"))
        .restoreSnapshot(s.id(), ProgressListener.NONE);
    Database sqlite = Database.openReadOnly(ConnectionConfig.sqlite(copy));
    sqlite.withConnection(
        conn -> {
          try (var st = conn.createStatement();
              ResultSet rs =
                  st.executeQuery("SELECT total_val, typeof(total_val) FROM METRIC WHERE id = 1")) {
            rs.next();
            // The FLOAT 0.45 is 0.45, not the float's binary value 0.449999988079071.
            assertThat(rs.getDouble(1)).isEqualTo(0.45);
            assertThat(rs.getString(2)).isEqualTo("real");
          }
          try (var st = conn.createStatement();
              ResultSet rs = st.executeQuery("SELECT title, `desc` FROM EXPERIMENT WHERE id = 1")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("café über");
            assertThat(rs.getString(2)).isEqualTo("tab\there");
          }
          try (var st = conn.createStatement();
              ResultSet rs = st.executeQuery("SELECT amount FROM notes ORDER BY id")) {
            rs.next();
            // A DECIMAL keeps its digits as text.
            assertThat(rs.getString(1)).isEqualTo("1.250");
          }
          return null;
        });
    assertThat(TestDatabases.counts(sqlite))
        .isEqualTo(TestDatabases.counts(Database.open(c, OpenMode.EXISTING)));
  }

  @Test
  void theTrackersSqliteDatabaseRestoresIntoMariaDbWithoutLoss() {
    Path db = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    ConnectionConfig src = ConnectionConfig.sqlite(db);
    for (SnapshotFormat format : List.of(SnapshotFormat.SQLITE, SnapshotFormat.TSV)) {
      SnapshotInfo s =
          manager(src).createSnapshot("cross", List.of(), format, ProgressListener.NONE);
      ConnectionConfig target =
          MariaDbServer.get().config(MariaDbServer.get().newDatabaseName("fromsqlite"));
      made.add(target);
      new SnapshotManager(Database.unopened(target), dir.resolve("snapshots"))
          .restoreSnapshot(s.id(), ProgressListener.NONE);
      Database my = Database.open(target, OpenMode.EXISTING);
      assertThat(TestDatabases.counts(my))
          .isEqualTo(TestDatabases.counts(Database.openReadOnly(src)));
      assertThat(TestDatabases.content(my))
          .isEqualTo(TestDatabases.content(Database.openReadOnly(src)));
      // The tracker's own table came along.
      assertThat(my.existingTables()).contains("SCHEMA_VERSION");
    }
  }
}
