package io.expmgr.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.SnapshotException;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.TestDatabases;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SnapshotTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  private ConnectionConfig generated(Engine engine, long seed) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, "snap" + made.size());
    made.add(c);
    DataGenerator.generate(
        c, new GenerateOptions(2, 2, 2, 3, 2, 3, 1, seed, 2, 0, 2), false, ProgressListener.NONE);
    return c;
  }

  private SnapshotManager manager(ConnectionConfig c) {
    return new SnapshotManager(Database.open(c, OpenMode.EXISTING), dir.resolve("snapshots"));
  }

  @ParameterizedTest
  @CsvSource({"SQLITE, SQLITE", "SQLITE, TSV", "MYSQL, SQLITE", "MYSQL, TSV"})
  void createChangeRestoreGivesBackExactlyTheSnapshot(Engine engine, SnapshotFormat format) {
    ConnectionConfig c = generated(engine, 1);
    Database db = Database.open(c, OpenMode.EXISTING);
    Map<String, List<List<Object>>> before = TestDatabases.content(db);
    SnapshotManager m = manager(c);
    List<long[]> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    SnapshotInfo s =
        m.createSnapshot(
            "before changes",
            List.of(),
            format,
            (done, total) -> progress.add(new long[] {done, total}));
    assertThat(s.format()).isEqualTo(format.label());
    // A bar can follow it to the end.
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1)[0])
        .isEqualTo(progress.get(progress.size() - 1)[1]);
    assertThat(m.verifySnapshot(s.id()).ok()).isTrue();
    // Every table, expmgr's own version history too, not only the model's.
    assertThat(s.rowCounts()).containsAllEntriesOf(TestDatabases.counts(db));
    assertThat(s.rowCounts()).containsKey("flyway_schema_history");

    try (DatabaseManager api = DatabaseManager.open(c)) {
      api.createExperiment("added after the snapshot", null);
      api.update("DELETE FROM EPOCH_ARTIFACT");
      api.update("UPDATE METRIC SET total_val = 0 WHERE id < 5");
      api.update("UPDATE TRIAL SET name = 'renamed'");
    }
    assertThat(TestDatabases.content(db)).isNotEqualTo(before);

    m.restoreSnapshot(s.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(c, OpenMode.EXISTING))).isEqualTo(before);
    // The restored database is a full expmgr database: versioned, validated, writable.
    try (DatabaseManager api = DatabaseManager.open(c)) {
      assertThat(api.createExperiment("after restore", null)).isPositive();
    }
    // Restoring twice works too (no leftovers from the first).
    m.restoreSnapshot(s.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(c, OpenMode.EXISTING))).isEqualTo(before);
  }

  @Test
  void snapshotsMoveWholeDatabasesBetweenEngines() {
    ConnectionConfig sqlite = generated(Engine.SQLITE, 2);
    ConnectionConfig maria = generated(Engine.MYSQL, 3);
    var sqliteContent = TestDatabases.content(Database.open(sqlite, OpenMode.EXISTING));
    var mariaContent = TestDatabases.content(Database.open(maria, OpenMode.EXISTING));
    SnapshotInfo fromSqlite = manager(sqlite).createSnapshot("sqlite");
    SnapshotInfo fromMaria =
        new SnapshotManager(Database.open(maria, OpenMode.EXISTING), dir.resolve("maria-snaps"))
            .createSnapshot("maria");
    assertThat(fromMaria.sourceEngine()).isEqualTo("mysql");
    // Each engine's default: the SQLite file for SQLite, LOAD DATA text for MySQL.
    assertThat(fromSqlite.format()).isEqualTo("sqlite");
    assertThat(fromMaria.format()).isEqualTo("tsv");

    // A MariaDB snapshot into a new SQLite file, and a SQLite snapshot into a new MariaDB database.
    ConnectionConfig newSqlite = ConnectionConfig.sqlite(dir.resolve("from-maria.db"));
    new SnapshotManager(Database.unopened(newSqlite), dir.resolve("maria-snaps"))
        .restoreSnapshot(fromMaria.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(newSqlite, OpenMode.EXISTING)))
        .isEqualTo(mariaContent);

    ConnectionConfig newMaria = TestDatabases.fresh(Engine.MYSQL, dir, "from_sqlite");
    made.add(newMaria);
    new SnapshotManager(Database.unopened(newMaria), dir.resolve("snapshots"))
        .restoreSnapshot(fromSqlite.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(newMaria, OpenMode.EXISTING)))
        .isEqualTo(sqliteContent);
    try (DatabaseManager api = DatabaseManager.open(newMaria)) {
      assertThat(api.listExperiments()).hasSize(2);
      // Keys and indexes, added after the load, are all there.
      long declared =
          ((Number)
                  api.query(
                          "SELECT count(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?",
                          newMaria.database())
                      .get(0)
                      .get("n"))
              .longValue();
      long modelKeys =
          io.expmgr.db.Schema.v1().tables().stream().mapToLong(t -> t.foreignKeys().size()).sum();
      assertThat(declared).isEqualTo(modelKeys);
      long indexes =
          ((Number)
                  api.query(
                          "SELECT count(DISTINCT table_name, index_name) AS n FROM information_schema.STATISTICS"
                              + " WHERE table_schema = ? AND index_name LIKE 'idx_%'",
                          newMaria.database())
                      .get(0)
                      .get("n"))
              .longValue();
      assertThat(indexes)
          .isEqualTo(
              io.expmgr.db.Schema.v1().tables().stream().mapToLong(t -> t.indexes().size()).sum());
    }
  }

  @Test
  void theOtherFormatsMoveWholeDatabasesBetweenEnginesToo() {
    ConnectionConfig sqlite = generated(Engine.SQLITE, 12);
    ConnectionConfig maria = generated(Engine.MYSQL, 13);
    var sqliteContent = TestDatabases.content(Database.open(sqlite, OpenMode.EXISTING));
    var mariaContent = TestDatabases.content(Database.open(maria, OpenMode.EXISTING));
    SnapshotInfo tsv =
        manager(sqlite).createSnapshot("tsv", List.of(), SnapshotFormat.TSV, ProgressListener.NONE);
    SnapshotInfo file =
        new SnapshotManager(Database.open(maria, OpenMode.EXISTING), dir.resolve("maria-snaps"))
            .createSnapshot("file", List.of(), SnapshotFormat.SQLITE, ProgressListener.NONE);

    ConnectionConfig newMaria = TestDatabases.fresh(Engine.MYSQL, dir, "from_tsv");
    made.add(newMaria);
    new SnapshotManager(Database.unopened(newMaria), dir.resolve("snapshots"))
        .restoreSnapshot(tsv.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(newMaria, OpenMode.EXISTING)))
        .isEqualTo(sqliteContent);

    ConnectionConfig newSqlite = ConnectionConfig.sqlite(dir.resolve("from-maria-file.db"));
    new SnapshotManager(Database.unopened(newSqlite), dir.resolve("maria-snaps"))
        .restoreSnapshot(file.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(newSqlite, OpenMode.EXISTING)))
        .isEqualTo(mariaContent);
  }

  @ParameterizedTest
  @EnumSource(SnapshotFormat.class)
  void awkwardValuesCrossBetweenEnginesUnchanged(SnapshotFormat format) {
    // The restore streams rows to MariaDB as LOAD DATA text: every character that text escapes,
    // doubles at the edges of their range, microseconds and nulls must arrive as they left.
    ConnectionConfig sqlite = TestDatabases.fresh(Engine.SQLITE, dir, "awkward");
    made.add(sqlite);
    try (DatabaseManager api = DatabaseManager.create(sqlite)) {
      String[] titles = {
        "tab\there",
        "new\nline",
        "cr\rlf\r\n",
        "back\\slash\\",
        "\\N",
        "\\t literal",
        "nul\0byte",
        "emoji \uD83D\uDE80 and \u00e9\u4e2d",
        "quote ' and \"",
        "trailing space ",
        "\u001a ctrl-z"
      };
      for (String t : titles) {
        api.createExperiment(t, t.startsWith("trailing") ? "" : "desc of " + t);
      }
      double[] values = {
        Double.MIN_VALUE, -Double.MAX_VALUE, 0.1, 1e-300, 123456789.123456789, -0.5, 1e22
      };
      for (double v : values) {
        api.recordMetric("edge", v, Map.of("c\t1", v));
      }
      api.recordMetric("none", null, null);
      api.update(
          "UPDATE EXPERIMENT SET start_time = '2024-02-29 23:59:59.000001',"
              + " update_time = NULL WHERE id = 1");
    }
    var before = TestDatabases.content(Database.open(sqlite, OpenMode.EXISTING));
    SnapshotInfo snap =
        manager(sqlite).createSnapshot("awkward", List.of(), format, ProgressListener.NONE);
    assertThat(manager(sqlite).verifySnapshot(snap.id()).problems()).isEmpty();
    ConnectionConfig maria = TestDatabases.fresh(Engine.MYSQL, dir, "awkward_maria");
    made.add(maria);
    new SnapshotManager(Database.unopened(maria), dir.resolve("snapshots"))
        .restoreSnapshot(snap.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(maria, OpenMode.EXISTING))).isEqualTo(before);

    // Back out of MariaDB in the same format, into a new SQLite file.
    SnapshotInfo back =
        new SnapshotManager(Database.open(maria, OpenMode.EXISTING), dir.resolve("back"))
            .createSnapshot("back", List.of(), format, ProgressListener.NONE);
    ConnectionConfig again = ConnectionConfig.sqlite(dir.resolve("awkward-again.db"));
    new SnapshotManager(Database.unopened(again), dir.resolve("back"))
        .restoreSnapshot(back.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(again, OpenMode.EXISTING))).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(SnapshotFormat.class)
  void awkwardValuesCrossThroughPostgresUnchangedAndANulIsRefusedWhole(SnapshotFormat format) {
    // COPY text escapes backspace, form feed and vertical tab, which the snapshot format keeps as
    // they are: they must come back out of PostgreSQL as they went in.
    ConnectionConfig sqlite = TestDatabases.fresh(Engine.SQLITE, dir, "awkward_pg");
    made.add(sqlite);
    try (DatabaseManager api = DatabaseManager.create(sqlite)) {
      for (String t :
          new String[] {
            "tab\there",
            "new\nline",
            "cr\rlf\r\n",
            "back\\slash\\",
            "\\N",
            "\\b not a backspace",
            "bs\b ff\f vt\u000b",
            "emoji \uD83D\uDE80 and \u00e9\u4e2d",
            "quote ' and \""
          }) {
        api.createExperiment(t, "desc of " + t);
      }
      for (double v : new double[] {Double.MIN_VALUE, -Double.MAX_VALUE, 0.1, 1e-300, 1e22}) {
        api.recordMetric("edge", v, Map.of("c\t1", v));
      }
      api.update(
          "UPDATE EXPERIMENT SET start_time = '2024-02-29 23:59:59.000001',"
              + " update_time = NULL WHERE id = 1");
    }
    var before = TestDatabases.content(Database.open(sqlite, OpenMode.EXISTING));
    SnapshotInfo snap =
        manager(sqlite).createSnapshot("awkward", List.of(), format, ProgressListener.NONE);
    ConnectionConfig pg = TestDatabases.fresh(Engine.POSTGRES, dir, "awkward_pg");
    made.add(pg);
    new SnapshotManager(Database.unopened(pg), dir.resolve("snapshots"))
        .restoreSnapshot(snap.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(pg, OpenMode.EXISTING))).isEqualTo(before);
    SnapshotInfo back =
        new SnapshotManager(Database.open(pg, OpenMode.EXISTING), dir.resolve("pg-back"))
            .createSnapshot("back", List.of(), format, ProgressListener.NONE);
    ConnectionConfig again = ConnectionConfig.sqlite(dir.resolve("awkward-pg-again.db"));
    new SnapshotManager(Database.unopened(again), dir.resolve("pg-back"))
        .restoreSnapshot(back.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(again, OpenMode.EXISTING))).isEqualTo(before);

    // PostgreSQL text holds no NUL: a snapshot with one is refused, and the database stays.
    try (DatabaseManager api = DatabaseManager.open(sqlite)) {
      api.createExperiment("nul\0byte", null);
    }
    SnapshotInfo withNul =
        manager(sqlite).createSnapshot("nul", List.of(), format, ProgressListener.NONE);
    assertThatThrownBy(
            () ->
                new SnapshotManager(Database.unopened(pg), dir.resolve("snapshots"))
                    .restoreSnapshot(withNul.id(), ProgressListener.NONE))
        .hasMessageContaining("nothing was restored");
    assertThat(TestDatabases.content(Database.open(pg, OpenMode.EXISTING))).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(SnapshotFormat.class)
  void aServerWithoutLocalInfileIsRestoredWithInserts(SnapshotFormat format) {
    // MySQL 8's default: LOAD DATA LOCAL is refused. The restore must still work, by INSERTs.
    ConnectionConfig sqlite = generated(Engine.SQLITE, 6);
    var before = TestDatabases.content(Database.open(sqlite, OpenMode.EXISTING));
    SnapshotInfo snap =
        manager(sqlite)
            .createSnapshot("for a strict server", List.of(), format, ProgressListener.NONE);
    ConnectionConfig maria = TestDatabases.fresh(Engine.MYSQL, dir, "no_infile");
    made.add(maria);
    io.expmgr.support.MariaDbServer server = io.expmgr.support.MariaDbServer.get();
    server.admin("SET GLOBAL local_infile = 0");
    try {
      new SnapshotManager(Database.unopened(maria), dir.resolve("snapshots"))
          .restoreSnapshot(snap.id(), ProgressListener.NONE);
    } finally {
      server.admin("SET GLOBAL local_infile = 1");
    }
    assertThat(TestDatabases.content(Database.open(maria, OpenMode.EXISTING))).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(SnapshotFormat.class)
  void aLoadThatFailsMidwayLeavesTheMariaDbDatabaseAsItWas(SnapshotFormat format) {
    // SQLite stores an infinite double; MySQL cannot. The load stops at that row, after
    // thousands of others were streamed: the live tables must not change, no shadow table stays.
    ConnectionConfig sqlite = generated(Engine.SQLITE, 4);
    try (DatabaseManager api = DatabaseManager.open(sqlite)) {
      api.update("UPDATE METRIC SET total_val = 1e999 WHERE id = (SELECT max(id) FROM METRIC)");
    }
    var withInfinity = TestDatabases.content(Database.open(sqlite, OpenMode.EXISTING));
    SnapshotInfo snap =
        manager(sqlite)
            .createSnapshot("holds an infinity", List.of(), format, ProgressListener.NONE);
    // SQLite takes it back whole.
    ConnectionConfig copy = ConnectionConfig.sqlite(dir.resolve("infinity-copy.db"));
    new SnapshotManager(Database.unopened(copy), dir.resolve("snapshots"))
        .restoreSnapshot(snap.id(), ProgressListener.NONE);
    assertThat(TestDatabases.content(Database.open(copy, OpenMode.EXISTING)))
        .isEqualTo(withInfinity);
    ConnectionConfig maria = generated(Engine.MYSQL, 5);
    Database target = Database.open(maria, OpenMode.EXISTING);
    var before = TestDatabases.content(target);
    SnapshotManager m = new SnapshotManager(target, dir.resolve("snapshots"));
    assertThatThrownBy(() -> m.restoreSnapshot(snap.id(), ProgressListener.NONE))
        .isInstanceOf(io.expmgr.ExpmgrException.class)
        .hasMessageContaining(format == SnapshotFormat.SQLITE ? "Infinity" : "total_val")
        .hasMessageContaining("METRIC")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(TestDatabases.content(Database.open(maria, OpenMode.EXISTING))).isEqualTo(before);
    try (DatabaseManager api = DatabaseManager.open(maria)) {
      assertThat(
              api.query(
                  "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
                      + " AND table_name LIKE '%expmgr%'",
                  maria.database()))
          .isEmpty();
    }
  }

  @Test
  void shadowTablesOfAKilledRestoreGoWithTheNextRunUnlessARestoreIsRunning() throws Exception {
    ConnectionConfig maria = generated(Engine.MYSQL, 6);
    Database target = Database.open(maria, OpenMode.EXISTING);
    var before = TestDatabases.content(target);
    SnapshotInfo snap = manager(maria).createSnapshot("before");
    // What a restore killed before (shadows) or after (old tables) its swap leaves.
    String[] leftovers = {"EXPERIMENT__expmgr_new", "METRIC__expmgr_new", "TRIAL__expmgr_old"};
    try (java.sql.Connection c = target.connect();
        java.sql.Statement st = c.createStatement()) {
      for (String t : leftovers) {
        st.execute("CREATE TABLE `" + t + "` (id INT PRIMARY KEY)");
      }
    }
    // Looked at without opening the database (opening is what sweeps).
    java.util.function.Supplier<List<String>> remaining =
        () -> {
          try (java.sql.Connection c = target.connect();
              java.sql.PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
                          + " AND table_name LIKE '%expmgr%' ORDER BY table_name")) {
            ps.setString(1, maria.database());
            List<String> names = new ArrayList<>();
            try (java.sql.ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                names.add(rs.getString(1));
              }
            }
            return names;
          } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
          }
        };
    // A restore runs (its named lock is held): its tables are not touched, and a second
    // restore is refused.
    try (java.sql.Connection holder = target.connect()) {
      assertThat(
              io.expmgr.db.Engine.MYSQL
                  .dialect()
                  .tryNamedLock(holder, "expmgr_restore_" + maria.database()))
          .isTrue();
      Database.open(maria, OpenMode.EXISTING);
      assertThat(remaining.get()).hasSize(3);
      assertThatThrownBy(() -> manager(maria).restoreSnapshot(snap.id(), ProgressListener.NONE))
          .isInstanceOf(io.expmgr.ConflictException.class)
          .hasMessageContaining("another restore");
      assertThat(remaining.get()).hasSize(3);
    }
    // It ended: the next run of any command drops them; the live tables stay as they were.
    Database.open(maria, OpenMode.EXISTING);
    assertThat(remaining.get()).isEmpty();
    assertThat(TestDatabases.content(Database.open(maria, OpenMode.EXISTING))).isEqualTo(before);
    // A read-only handle never drops anything.
    try (java.sql.Connection c = target.connect();
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE `RUN__expmgr_new` (id INT PRIMARY KEY)");
    }
    Database.openReadOnly(maria);
    assertThat(remaining.get()).hasSize(1);
    manager(maria).restoreSnapshot(snap.id(), ProgressListener.NONE);
    assertThat(remaining.get()).isEmpty();
    assertThat(TestDatabases.content(Database.open(maria, OpenMode.EXISTING))).isEqualTo(before);
  }

  @Test
  void aDamagedSnapshotIsRefusedAndTheDatabaseUntouched() throws Exception {
    ConnectionConfig c = generated(Engine.SQLITE, 4);
    SnapshotManager m = manager(c);
    SnapshotInfo s = m.createSnapshot("to be damaged");
    Database db = Database.open(c, OpenMode.EXISTING);
    try (DatabaseManager api = DatabaseManager.open(c)) {
      api.createExperiment("newer", null);
    }
    var current = TestDatabases.content(db);
    Path data = s.path().resolve("data.db");
    try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 0x01);
    }
    assertThat(m.verifySnapshot(s.id()).problems()).singleElement().asString().contains("checksum");
    assertThatThrownBy(() -> m.restoreSnapshot(s.id(), ProgressListener.NONE))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("damaged");
    assertThat(TestDatabases.content(db)).isEqualTo(current);

    Files.delete(data);
    assertThat(m.verifySnapshot(s.id()).problems()).singleElement().asString().contains("missing");
    assertThat(m.listSnapshots())
        .singleElement()
        .satisfies(i -> assertThat(i.isDamaged()).isTrue());
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aDamagedTsvSnapshotIsRefusedAndTheDatabaseUntouched(Engine target) throws Exception {
    ConnectionConfig source = generated(Engine.SQLITE, 9);
    SnapshotInfo s =
        manager(source)
            .createSnapshot("to be damaged", List.of(), SnapshotFormat.TSV, ProgressListener.NONE);
    ConnectionConfig into = generated(target, 10);
    SnapshotManager m =
        new SnapshotManager(Database.open(into, OpenMode.EXISTING), dir.resolve("snapshots"));
    var current = TestDatabases.content(Database.open(into, OpenMode.EXISTING));

    // One digit changed into another in the middle of the metrics: every row still parses, so
    // only the checksum can tell.
    Path metrics = s.path().resolve("METRIC.tsv");
    byte[] bytes = Files.readAllBytes(metrics);
    int at = bytes.length / 2;
    while (bytes[at] < '0' || bytes[at] > '8') {
      at++;
    }
    bytes[at]++;
    Files.write(metrics, bytes);
    assertThat(m.verifySnapshot(s.id()).problems())
        .singleElement()
        .asString()
        .contains("checksum of METRIC.tsv");
    assertThatThrownBy(() -> m.restoreSnapshot(s.id(), ProgressListener.NONE))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("METRIC.tsv is damaged")
        .hasMessageContaining("nothing was restored");
    assertThat(TestDatabases.content(Database.open(into, OpenMode.EXISTING))).isEqualTo(current);
    if (target == Engine.MYSQL) {
      try (DatabaseManager api = DatabaseManager.open(into)) {
        assertThat(
                api.query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
                        + " AND table_name LIKE '%expmgr%'",
                    into.database()))
            .isEmpty();
      }
    }

    // Cut short: listed as damaged, refused before anything is read.
    Files.write(metrics, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    assertThat(m.listSnapshots())
        .singleElement()
        .satisfies(i -> assertThat(i.problem()).contains("METRIC.tsv differs in size"));
    assertThatThrownBy(() -> m.restoreSnapshot(s.id(), ProgressListener.NONE))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("damaged");

    // A manifest naming a file outside the folder is damaged, and that file is never read.
    Path manifest = s.path().resolve("manifest.json");
    Files.writeString(
        manifest,
        Files.readString(manifest)
            .replace("\"name\" : \"METRIC.tsv\"", "\"name\" : \"../METRIC.tsv\""));
    assertThat(m.verifySnapshot(s.id()).problems())
        .singleElement()
        .asString()
        .contains("'../METRIC.tsv' that is not a table file");
    Files.delete(metrics);
    assertThat(TestDatabases.content(Database.open(into, OpenMode.EXISTING))).isEqualTo(current);
  }

  @Test
  void aReadOnlySnapshotOfAWalDatabaseWhoseLogAnotherConnectionHoldsSucceeds() throws Exception {
    ConnectionConfig c = generated(Engine.SQLITE, 14);
    try (java.sql.Connection writer =
        java.sql.DriverManager.getConnection("jdbc:sqlite:" + c.sqlitePath())) {
      io.expmgr.db.Dialect.execute(writer, "PRAGMA journal_mode=WAL");
      io.expmgr.db.Dialect.execute(writer, "PRAGMA wal_autocheckpoint=0");
      for (int i = 0; i < 20; i++) {
        io.expmgr.db.Dialect.execute(writer, "INSERT INTO EXPERIMENT (title) VALUES ('live')");
      }
      // The writer stays open with its frames in the log; the snapshot reads as create-snapshot
      // does, on a read-only connection, which cannot checkpoint.
      Database ro = Database.openReadOnly(c);
      SnapshotInfo s = new SnapshotManager(ro, dir.resolve("snapshots")).createSnapshot("live");
      assertThat(s.rowCounts().get("EXPERIMENT")).isEqualTo(22);
      assertThat(new SnapshotManager(ro, dir.resolve("snapshots")).verifySnapshot(s.id()).ok())
          .isTrue();
    }
  }

  @Test
  void anIdleDatabaseIsCopiedAsItsFileAndALogHeldBackFallsBackToTheBackupApi() throws Exception {
    ConnectionConfig c = generated(Engine.SQLITE, 14);
    Database db = Database.open(c, OpenMode.EXISTING);
    io.expmgr.db.Schema schema = io.expmgr.schema.SchemaMigrator.schemaOf(db);
    Path copy = dir.resolve("frozen-copy.db");
    var counts =
        db.copyFrozenFile(schema.tableNames(), (file, length) -> copyPrefix(file, length, copy));
    assertThat(counts).contains(TestDatabases.counts(db));
    assertThat(
            TestDatabases.content(Database.open(ConnectionConfig.sqlite(copy), OpenMode.EXISTING)))
        .isEqualTo(TestDatabases.content(db));

    // A reader holds the log back: the frames written after it began cannot be copied into the
    // file, so the file alone is not the current state.
    try (java.sql.Connection reader = db.connect();
        java.sql.Connection writer = db.connect()) {
      reader.setAutoCommit(false);
      try (var st = reader.createStatement();
          var rs = st.executeQuery("SELECT count(*) FROM EXPERIMENT")) {
        rs.next();
      }
      io.expmgr.db.Dialect.execute(
          writer, "INSERT INTO EXPERIMENT (title) VALUES ('after the reader')");
      Path unused = dir.resolve("never-written.db");
      assertThat(
              db.copyFrozenFile(
                  schema.tableNames(), (file, length) -> copyPrefix(file, length, unused)))
          .isEmpty();
      assertThat(unused).doesNotExist();
      // The snapshot is then taken with the backup API, and holds the new row.
      SnapshotInfo s = manager(c).createSnapshot("log held back");
      assertThat(s.rowCounts().get("EXPERIMENT")).isEqualTo(3);
      reader.rollback();
    }

    // Writers go on while the file is copied, and a checkpoint asked for meanwhile cannot touch
    // the file: the copy is exactly the state the read began with.
    var atStart = TestDatabases.content(db);
    Path during = dir.resolve("frozen-during.db");
    var copiedDuringWrites =
        db.copyFrozenFile(
            schema.tableNames(),
            (file, length) -> {
              try (DatabaseManager api = DatabaseManager.open(c)) {
                for (int i = 0; i < 5; i++) {
                  api.createExperiment("written during the copy", null);
                }
              }
              try (java.sql.Connection other = db.connect()) {
                io.expmgr.db.Dialect.execute(other, "PRAGMA wal_checkpoint(PASSIVE)");
              } catch (java.sql.SQLException e) {
                throw new java.io.IOException(e);
              }
              copyPrefix(file, length, during);
            });
    assertThat(copiedDuringWrites).isPresent();
    assertThat(
            TestDatabases.content(
                Database.open(ConnectionConfig.sqlite(during), OpenMode.EXISTING)))
        .isEqualTo(atStart);
    assertThat(TestDatabases.counts(db).get("EXPERIMENT"))
        .isEqualTo(atStart.get("EXPERIMENT").size() + 5L);

    // Rollback-journal mode: the reader's shared lock freezes the file.
    try (java.sql.Connection any = db.connect()) {
      io.expmgr.db.Dialect.execute(any, "PRAGMA journal_mode=DELETE");
    }
    Path again = dir.resolve("frozen-again.db");
    assertThat(
            db.copyFrozenFile(
                schema.tableNames(), (file, length) -> copyPrefix(file, length, again)))
        .contains(TestDatabases.counts(db));
    assertThat(
            TestDatabases.content(Database.open(ConnectionConfig.sqlite(again), OpenMode.EXISTING)))
        .isEqualTo(TestDatabases.content(db));
  }

  private static void copyPrefix(Path file, long length, Path copy) throws java.io.IOException {
    try (var in = Files.newInputStream(file);
        var out = Files.newOutputStream(copy)) {
      out.write(in.readNBytes(Math.toIntExact(length)));
    }
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void aSqliteRestoreWithAndWithoutDirectIoGivesTheSnapshotAndRefusesDamage(boolean direct)
      throws Exception {
    ConnectionConfig c = generated(Engine.SQLITE, 21);
    var before = TestDatabases.content(Database.open(c, OpenMode.EXISTING));
    SnapshotManager m = manager(c);
    String property = io.expmgr.internal.DirectCopy.PROPERTY;
    System.setProperty(property, Boolean.toString(direct));
    try {
      // The snapshot's copy, with or without direct I/O, has the checksums of its bytes.
      SnapshotInfo s = m.createSnapshot("direct or not");
      assertThat(m.verifySnapshot(s.id()).ok()).isTrue();
      try (DatabaseManager api = DatabaseManager.open(c)) {
        api.update("DELETE FROM EPOCH_METRIC");
      }
      m.restoreSnapshot(s.id(), ProgressListener.NONE);
      assertThat(TestDatabases.content(Database.open(c, OpenMode.EXISTING))).isEqualTo(before);
      // A byte flipped after the manifest was written is caught on the way, either way.
      Path data = s.path().resolve("data.db");
      try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
        f.seek(f.length() - 100);
        int b = f.read();
        f.seek(f.length() - 100);
        f.write(b ^ 0x10);
      }
      try (DatabaseManager api = DatabaseManager.open(c)) {
        api.update("DELETE FROM EPOCH_METRIC");
      }
      var changed = TestDatabases.content(Database.open(c, OpenMode.EXISTING));
      assertThatThrownBy(() -> m.restoreSnapshot(s.id(), ProgressListener.NONE))
          .isInstanceOf(SnapshotException.class)
          .hasMessageContaining("damaged");
      assertThat(TestDatabases.content(Database.open(c, OpenMode.EXISTING))).isEqualTo(changed);
    } finally {
      System.clearProperty(property);
    }
  }

  @Test
  void idsAreCheckedAndUnknownOnesNamed() {
    SnapshotManager m = manager(generated(Engine.SQLITE, 5));
    for (String bad :
        List.of("../../etc", "20240101_000000/../x", "", "latest", "20240101-000000")) {
      assertThatThrownBy(() -> m.verifySnapshot(bad))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("--snapshot-id");
      assertThatThrownBy(() -> m.deleteSnapshot(bad)).isInstanceOf(InvalidInputException.class);
    }
    assertThatThrownBy(() -> m.restoreSnapshot("20990101_000000", ProgressListener.NONE))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no snapshot 20990101_000000");
  }

  @Test
  void twoSnapshotsInOneSecondGetDistinctIdsAndDeleteRemovesOne() throws Exception {
    SnapshotManager m = manager(generated(Engine.SQLITE, 6));
    SnapshotInfo a = m.createSnapshot("a");
    SnapshotInfo b = m.createSnapshot("b");
    SnapshotInfo c = m.createSnapshot("c");
    assertThat(List.of(a.id(), b.id(), c.id())).doesNotHaveDuplicates();
    m.deleteSnapshot(b.id());
    assertThat(m.listSnapshots()).extracting(SnapshotInfo::id).containsExactly(c.id(), a.id());
    try (var files = Files.list(m.directory())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aSnapshotOfADatabaseUnderConstantWritesIsConsistentAndFinishes(Engine engine)
      throws Exception {
    ConnectionConfig c = generated(engine, 8);
    if (engine == Engine.SQLITE) {
      // Generated files are in WAL mode already: readers and the writer do not block each other.
      assertThat(c.sqlitePath()).exists();
    }
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    Thread writer =
        new Thread(
            () -> {
              try (DatabaseManager api = DatabaseManager.open(c)) {
                while (!stop.get()) {
                  // Each transaction adds an experiment and its trial together.
                  api.inTransaction(
                      () -> {
                        long e = api.createExperiment("concurrent", null);
                        api.createTrial(e, "t");
                      });
                  written.incrementAndGet();
                }
              }
            });
    writer.start();
    try {
      while (written.get() < 20) {
        Thread.sleep(5);
      }
      SnapshotManager m = manager(c);
      SnapshotInfo s = m.createSnapshot("under load");
      assertThat(m.verifySnapshot(s.id()).ok()).isTrue();
      // Whatever the snapshot's format, a SQLite file restored from it shows its content.
      ConnectionConfig restored = ConnectionConfig.sqlite(dir.resolve("consistent.db"));
      new SnapshotManager(Database.unopened(restored), m.directory())
          .restoreSnapshot(s.id(), ProgressListener.NONE);
      Database snap = Database.openReadOnly(restored);
      long experiments = TestDatabases.counts(snap).get("EXPERIMENT");
      long trials = TestDatabases.counts(snap).get("TRIAL");
      // 2 generated experiments with 2 trials each; every later experiment came with one trial.
      assertThat(trials - 4).isEqualTo(experiments - 2).isPositive();
    } finally {
      stop.set(true);
      writer.join();
    }
    assertThat(written.get()).isGreaterThan(20);
  }
}
