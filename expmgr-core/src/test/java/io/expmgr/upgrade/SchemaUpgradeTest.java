package io.expmgr.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConflictException;
import io.expmgr.ProgressListener;
import io.expmgr.SchemaException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.snapshot.SnapshotFormat;
import io.expmgr.support.TestDatabases;
import io.expmgr.validate.DataValidator;
import io.expmgr.validate.ValidationCheck;
import io.expmgr.validate.ValidationReport;
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

/** schema status and schema upgrade on both engines, including the ways they must fail. */
class SchemaUpgradeTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();
  private final List<String> said = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  private Database generated(Engine engine) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, "up" + made.size());
    made.add(c);
    DataGenerator.generate(
        c, new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 5, 0, 0, 0), false, ProgressListener.NONE);
    return Database.open(c, OpenMode.EXISTING);
  }

  private SchemaUpgrader upgrader(Database db) {
    return new SchemaUpgrader(db, dir.resolve("snaps"));
  }

  private UpgradeResult upgrade(Database db, String to) {
    return upgrader(db).upgrade(new UpgradeOptions(to, false, false), said::add);
  }

  /** Every row of the 1.0 tables, the way a 1.0 reader sees them. */
  private static Map<String, List<List<Object>>> v1Content(Database db) {
    return TestDatabases.content(db);
  }

  private static List<String> columns(Database db, String table) {
    return db.withConnection(c -> new ArrayList<>(db.existingColumns(c, table)));
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aGeneratedDatabaseUpgradesStepByStepWithAllDataIntact(Engine engine) {
    Database db = generated(engine);
    var before = v1Content(db);
    SchemaStatus s0 = upgrader(db).status();
    assertThat(s0.version()).isEqualTo("1.0");
    assertThat(s0.recorded()).isTrue();
    assertThat(s0.matchesModel()).isTrue();
    assertThat(s0.pending()).containsOnlyKeys("2.0", "2.1");

    UpgradeResult r = upgrade(db, "2.0");
    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
    assertThat(r.snapshot()).isNotNull();
    assertThat(r.snapshot().tags()).contains("pre-upgrade");
    assertThat(said).anyMatch(l -> l.startsWith("3/5")).anyMatch(l -> l.startsWith("5/5"));
    SchemaStatus s1 = upgrader(db).status();
    assertThat(s1.version()).isEqualTo("2.0");
    assertThat(s1.matchesModel()).isTrue();
    assertThat(s1.pending()).containsOnlyKeys("2.1");
    assertThat(v1Content(db)).isEqualTo(before);
    long metrics = before.get("METRIC").size();
    assertThat(count(db, "SELECT count(*) FROM METRIC WHERE metadata = '{}'")).isEqualTo(metrics);

    upgrade(db, null);
    SchemaStatus s2 = upgrader(db).status();
    assertThat(s2.version()).isEqualTo("2.1");
    assertThat(s2.matchesModel()).isTrue();
    assertThat(s2.pending()).isEmpty();
    assertThat(v1Content(db)).isEqualTo(before);
    assertThat(columns(db, "EXPERIMENT")).contains("tags");
    assertThat(db.existingTables()).contains("EXPERIMENT_TAG");
    assertThat(SchemaMigrator.recordedVersion(db)).contains("2.1");
    // The new table is real: keys and foreign key hold, and validation walks it.
    db.withConnection(
        c -> {
          Dialect.execute(
              c, "INSERT INTO EXPERIMENT_TAG (experiment_id, tag_name) VALUES (1, 'x')");
          return null;
        });
    assertThat(upgrader(db).upgrade(new UpgradeOptions(null, false, false), said::add).outcome())
        .isEqualTo(UpgradeResult.Outcome.UP_TO_DATE);
    ValidationReport report =
        new DataValidator(io.expmgr.api.DatabaseManager.of(db)).validateDataConsistency();
    assertThat(report.summaryStatus()).isEqualTo("PASS");
  }

  @ParameterizedTest
  @CsvSource({
    "SQLITE, MYSQL, SQLITE",
    "SQLITE, POSTGRES, TSV",
    "MYSQL, SQLITE, TSV",
    "MYSQL, POSTGRES, SQLITE",
    "POSTGRES, SQLITE, SQLITE",
    "POSTGRES, SQLITE, TSV",
    "POSTGRES, MYSQL, TSV"
  })
  void aSnapshotRestoredIntoAnotherEngineKeepsItsVersionHistoryAndUpgrades(
      Engine from, Engine to, SnapshotFormat format) {
    // Flyway reads success as a boolean (PostgreSQL writes t and f) and leaves installed_on to
    // the column's default: a history copied as text read as failed, and the next upgrade could
    // not add its row.
    Database source = generated(from);
    Path snaps = dir.resolve("cross-snaps");
    var snap =
        new io.expmgr.snapshot.SnapshotManager(source, snaps)
            .createSnapshot("v1.0", List.of(), format, ProgressListener.NONE);
    ConnectionConfig target = TestDatabases.fresh(to, dir, "cross" + made.size());
    made.add(target);
    new io.expmgr.snapshot.SnapshotManager(Database.unopened(target), snaps)
        .restoreSnapshot(snap.id(), ProgressListener.NONE);
    Database db = Database.open(target, OpenMode.EXISTING);
    var before = v1Content(db);
    SchemaStatus s0 = upgrader(db).status();
    assertThat(s0.version()).isEqualTo("1.0");
    assertThat(s0.recorded()).isTrue();
    String history = db.dialect().quote(io.expmgr.db.FlywayHistory.TABLE);
    long rows = count(db, "SELECT count(*) FROM " + history);
    assertThat(rows).isPositive();
    assertThat(count(db, "SELECT count(*) FROM " + history + " WHERE success")).isEqualTo(rows);

    UpgradeResult r = upgrade(db, null);
    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
    assertThat(SchemaMigrator.recordedVersion(db)).contains(Schema.latest().version());
    assertThat(upgrader(db).status().matchesModel()).isTrue();
    assertThat(count(db, "SELECT count(*) FROM " + history + " WHERE success")).isEqualTo(rows + 2);
    assertThat(v1Content(db)).isEqualTo(before);
  }

  private static long count(Database db, String sql) {
    return db.withConnection(
        c -> {
          try (var st = c.createStatement();
              var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aDatabaseMadeByAnotherToolIsBaselinedThenUpgraded(Engine engine) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, "foreign" + made.size());
    made.add(c);
    Database db = Database.open(c, OpenMode.CREATE);
    db.withConnection(
        conn -> {
          for (Table t : Schema.v1().tables()) {
            for (String sql : Ddl.createTable(t, db.dialect())) {
              Dialect.execute(conn, sql);
            }
          }
          Dialect.execute(conn, "INSERT INTO EXPERIMENT (id, title) VALUES (7, 'made elsewhere')");
          return null;
        });
    SchemaStatus s = upgrader(db).status();
    assertThat(s.version()).isEqualTo("1.0");
    assertThat(s.recorded()).isFalse();
    UpgradeResult r = upgrade(db, "2.1");
    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
    assertThat(said).anyMatch(l -> l.contains("baselined"));
    assertThat(SchemaMigrator.recordedVersion(db)).contains("2.1");
    assertThat(count(db, "SELECT count(*) FROM EXPERIMENT WHERE id = 7")).isEqualTo(1);
  }

  @Test
  void aDatabaseThatMatchesNoVersionIsRefusedWithWhatDiffers() {
    ConnectionConfig c = ConnectionConfig.sqlite(dir.resolve("odd.db"));
    Database db = Database.open(c, OpenMode.CREATE);
    db.withConnection(
        conn -> {
          Dialect.execute(conn, "CREATE TABLE EXPERIMENT (id INTEGER PRIMARY KEY, title TEXT)");
          return null;
        });
    assertThat(upgrader(db).status().version()).isNull();
    assertThatThrownBy(() -> upgrade(db, null))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("matches no schema version")
        .hasMessageContaining("TRIAL")
        .hasMessageContaining("EXPERIMENT.desc");
    assertThat(db.existingTables()).doesNotContain("FLYWAY_SCHEMA_HISTORY");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aConflictingObjectMakesTheUpgradeFailAndLeavesTheDatabaseAsItWas(Engine engine) {
    Database db = generated(engine);
    // Planted: a table of the name 2.1 creates, of another shape.
    db.withConnection(
        c -> {
          Dialect.execute(c, "CREATE TABLE EXPERIMENT_TAG (other_column INTEGER)");
          return null;
        });
    var before = v1Content(db);
    List<String> columnsBefore = columns(db, "METRIC");
    assertThatThrownBy(() -> upgrade(db, "2.1"))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("2.1");
    assertThat(v1Content(db)).isEqualTo(before);
    assertThat(columns(db, "METRIC")).containsExactlyInAnyOrderElementsOf(columnsBefore);
    assertThat(columns(db, "EXPERIMENT")).doesNotContain("tags");
    assertThat(SchemaMigrator.recordedVersion(db)).contains("1.0");
    assertThat(upgrader(db).status().version()).isEqualTo("1.0");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aFailureAfterTheRealChangeRestoresTheSnapshotAndSaysSo(Engine engine) {
    Database db = generated(engine);
    var before = v1Content(db);
    String realIdentity = db.identity();
    // Validation that fails only on the real database once it has METRIC.metadata.
    SchemaUpgrader u =
        upgrader(db)
            .validator(
                d -> {
                  DataValidator v = new DataValidator(io.expmgr.api.DatabaseManager.of(d));
                  if (d.identity().equals(realIdentity)) {
                    v.register(
                        ValidationCheck.fromQuery(
                            "no_metadata_yet",
                            io.expmgr.validate.Status.FAIL,
                            switch (engine) {
                              case SQLITE ->
                                  "SELECT name FROM pragma_table_info('METRIC')"
                                      + " WHERE name = 'metadata'";
                              case POSTGRES ->
                                  "SELECT column_name FROM information_schema.columns WHERE"
                                      + " table_schema = current_schema() AND table_name = 'metric'"
                                      + " AND column_name = 'metadata'";
                              default ->
                                  "SELECT column_name FROM information_schema.columns"
                                      + " WHERE table_schema = DATABASE() AND table_name = 'METRIC'"
                                      + " AND column_name = 'metadata'";
                            },
                            row -> "METRIC has metadata"));
                  }
                  return v.validateDataConsistency();
                });
    assertThatThrownBy(() -> u.upgrade(new UpgradeOptions("2.0", false, false), said::add))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("was restored from snapshot")
        .hasMessageContaining("is as before");
    assertThat(v1Content(db)).isEqualTo(before);
    assertThat(columns(db, "METRIC")).doesNotContain("metadata");
    assertThat(SchemaMigrator.recordedVersion(db)).contains("1.0");
    // The next run starts clean.
    assertThat(upgrade(db, "2.0").outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aDryRunPrintsTheStatementsAndChangesNothing(Engine engine) {
    Database db = generated(engine);
    var before = v1Content(db);
    UpgradeResult r = upgrader(db).upgrade(new UpgradeOptions(null, true, false), said::add);
    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.DRY_RUN);
    assertThat(r.statements().get("2.0"))
        .anyMatch(s -> s.startsWith("ALTER TABLE") && s.contains("metadata"));
    assertThat(r.statements().get("2.1"))
        .anyMatch(s -> s.toUpperCase(java.util.Locale.ROOT).contains("EXPERIMENT_TAG"));
    assertThat(v1Content(db)).isEqualTo(before);
    assertThat(columns(db, "METRIC")).doesNotContain("metadata");
    assertThat(dir.resolve("snaps")).doesNotExist();
  }

  @Test
  void aDowngradeIsRefusedPointingAtTheSnapshotBeforeTheUpgrade() {
    Database db = generated(Engine.SQLITE);
    UpgradeResult r = upgrade(db, "2.0");
    assertThatThrownBy(() -> upgrade(db, "1.0"))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("downgrades are not supported")
        .hasMessageContaining("restore-snapshot --snapshot-id " + r.snapshot().id());
    assertThatThrownBy(() -> upgrade(db, "9.9"))
        .isInstanceOf(io.expmgr.InvalidInputException.class)
        .hasMessageContaining("--to 9.9");
  }

  @Test
  void aSecondUpgradeOfTheSameDatabaseFailsFast() {
    Database db = generated(Engine.SQLITE);
    try (var held = io.expmgr.state.DatabaseLock.acquire(db, "upgrade", "schema upgrade", null)) {
      assertThatThrownBy(() -> upgrade(db, "2.0"))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("another schema upgrade");
    }
    assertThat(upgrade(db, "2.0").outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
  }

  /** What a killed run leaves besides the database: its snapshot and its journal. */
  private io.expmgr.snapshot.SnapshotInfo killedRunLeft(Database db, String to) {
    var snap =
        new io.expmgr.snapshot.SnapshotManager(db, dir.resolve("snaps"))
            .createSnapshot(
                "Before schema upgrade 1.0 -> " + to,
                List.of("pre-upgrade"),
                ProgressListener.NONE);
    io.expmgr.state.UpgradeJournal.starting(db, "1.0", to, snap.id(), snap.path().getParent())
        .write(db);
    return snap;
  }

  private static void exec(Database db, String sql) {
    db.withConnection(
        c -> {
          Dialect.execute(c, sql);
          return null;
        });
  }

  @Test
  void aKilledRunThatLeftAWholeVersionKeepsTheRowsWrittenSince() throws Exception {
    Database db = generated(Engine.SQLITE);
    var snap = killedRunLeft(db, "2.1");
    SchemaMigrator.upgrade(db, "2.1");
    // The application went on writing after the killed upgrade.
    exec(db, "INSERT INTO EXPERIMENT (id, title) VALUES (77, 'after')");
    var after = TestDatabases.content(db);
    Path journal = io.expmgr.state.UpgradeJournal.path(db);
    assertThat(journal).exists();

    UpgradeResult dry = upgrader(db).upgrade(new UpgradeOptions(null, true, false), said::add);

    assertThat(dry.outcome()).isEqualTo(UpgradeResult.Outcome.UP_TO_DATE);
    assertThat(TestDatabases.content(db)).isEqualTo(after);
    assertThat(journal).exists();
    assertThat(said).anyMatch(l -> l.contains("nothing is restored") && l.contains("would be"));

    UpgradeResult r = upgrade(db, null);

    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.UP_TO_DATE);
    assertThat(TestDatabases.content(db)).isEqualTo(after);
    assertThat(count(db, "SELECT count(*) FROM EXPERIMENT WHERE id = 77")).isEqualTo(1);
    assertThat(journal).doesNotExist();
    // The snapshot was kept while the journal needed it, and can go now.
    new io.expmgr.snapshot.SnapshotManager(db, dir.resolve("snaps")).deleteSnapshot(snap.id());
  }

  @Test
  void aKilledRunBetweenVersionsIsPutBackWhenNoRowChangedSince() throws Exception {
    Database db = generated(Engine.SQLITE);
    var before = v1Content(db);
    var snap = killedRunLeft(db, "2.1");
    // A step half applied on an engine whose DDL is not transactional: no version matches.
    exec(db, "ALTER TABLE METRIC DROP COLUMN per_label_val");
    var detected = SchemaMigrator.detect(db);
    assertThat(detected.gapsByVersion().get(detected.version()).isComplete()).isFalse();

    UpgradeResult r = upgrade(db, "1.0");

    assertThat(said).anyMatch(l -> l.contains("restored snapshot " + snap.id()));
    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.UP_TO_DATE);
    assertThat(v1Content(db)).isEqualTo(before);
    assertThat(io.expmgr.state.UpgradeJournal.path(db)).doesNotExist();
  }

  @Test
  void aKilledRunBetweenVersionsIsNotPutBackOverRowsWrittenSince() throws Exception {
    Database db = generated(Engine.SQLITE);
    killedRunLeft(db, "2.1");
    exec(db, "ALTER TABLE METRIC DROP COLUMN per_label_val");
    exec(db, "INSERT INTO EXPERIMENT (id, title) VALUES (77, 'after')");
    var now = TestDatabases.content(db);

    assertThatThrownBy(() -> upgrade(db, null))
        .isInstanceOf(io.expmgr.ConflictException.class)
        .hasMessageContaining("rows changed since its snapshot")
        .hasMessageContaining("EXPERIMENT")
        .hasMessageContaining("restore-snapshot");

    assertThat(TestDatabases.content(db)).isEqualTo(now);
    assertThat(io.expmgr.state.UpgradeJournal.path(db)).exists();
  }

  @Test
  void aJournalWhoseSnapshotIsGoneSaysWhatToDoAndStopsBlockingOnceTheDatabaseIsWhole()
      throws Exception {
    Database db = generated(Engine.SQLITE);
    var snap = killedRunLeft(db, "2.1");
    var snaps = new io.expmgr.snapshot.SnapshotManager(db, dir.resolve("snaps"));
    assertThatThrownBy(() -> snaps.deleteSnapshot(snap.id()))
        .isInstanceOf(io.expmgr.ConflictException.class)
        .hasMessageContaining("is kept");
    var pruned =
        snaps.prune(
            new io.expmgr.snapshot.RetentionPolicy(0, 0, 0, 0, List.of("no-such-tag")), true);
    assertThat(pruned.removed()).isEmpty();
    assertThat(pruned.kept().values()).anyMatch(why -> why.toString().contains("journal"));
    // Removed behind the tool's back.
    try (var files = Files.walk(snap.path())) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    exec(db, "ALTER TABLE METRIC DROP COLUMN per_label_val");
    var now = TestDatabases.content(db);

    assertThatThrownBy(() -> upgrade(db, null))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("is gone")
        .hasMessageContaining("restore-snapshot");
    assertThat(TestDatabases.content(db)).isEqualTo(now);

    // Put whole again by hand: the journal stops blocking.
    exec(db, "ALTER TABLE METRIC ADD COLUMN per_label_val TEXT");
    assertThat(upgrade(db, null).outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
    assertThat(io.expmgr.state.UpgradeJournal.path(db)).doesNotExist();
  }

  @Test
  void commandsRefuseADatabaseNewerThanTheyKnow() {
    Database db = generated(Engine.SQLITE);
    db.withConnection(
        c -> {
          Dialect.execute(
              c, "UPDATE flyway_schema_history SET version = '3.0' WHERE version = '1.0'");
          return null;
        });
    assertThatThrownBy(() -> SchemaMigrator.schemaOf(db))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("schema 3.0")
        .hasMessageContaining("use a newer expmgr");
    assertThatThrownBy(() -> upgrader(db).status()).isInstanceOf(SchemaException.class);
    assertThatThrownBy(() -> SchemaMigrator.requireAtLeast(db, "2.0", "add_metadata"))
        .isInstanceOf(SchemaException.class);
  }

  @Test
  void addMetadataNeedsSchemaTwoAndSaysHowToGetIt() {
    Database db = generated(Engine.SQLITE);
    assertThatThrownBy(() -> SchemaMigrator.requireAtLeast(db, "2.0", "add_metadata"))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("add_metadata needs schema 2.0")
        .hasMessageContaining("schema upgrade --to 2.0");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void snapshotsOfAnUpgradedDatabaseKeepTheNewColumnsAndTables(Engine engine) {
    Database db = generated(engine);
    upgrade(db, "2.1");
    db.withConnection(
        c -> {
          Dialect.execute(
              c,
              "INSERT INTO EXPERIMENT_TAG (experiment_id, tag_name) VALUES (1, 'milestone')",
              "UPDATE METRIC SET metadata = '{\"unit\":\"%\"}' WHERE id = 1");
          return null;
        });
    var sm = new io.expmgr.snapshot.SnapshotManager(db, dir.resolve("snaps2"));
    var snap = sm.createSnapshot("v2.1");
    assertThat(snap.schemaVersion()).isEqualTo("2.1");
    assertThat(snap.rowCounts()).containsEntry("EXPERIMENT_TAG", 1L);
    db.withConnection(
        c -> {
          Dialect.execute(c, "DELETE FROM EXPERIMENT_TAG", "UPDATE METRIC SET metadata = '{}'");
          return null;
        });
    sm.restoreSnapshot(snap.id(), ProgressListener.NONE);
    assertThat(count(db, "SELECT count(*) FROM EXPERIMENT_TAG")).isEqualTo(1);
    assertThat(count(db, "SELECT count(*) FROM METRIC WHERE metadata <> '{}'")).isEqualTo(1);
  }

  // ------------------------------------------------------------------ the tracker's databases

  private static List<String> rows(Database db, String sql) {
    return db.withConnection(
        c -> {
          List<String> out = new ArrayList<>();
          try (var st = c.createStatement();
              var rs = st.executeQuery(sql)) {
            while (rs.next()) {
              List<String> row = new ArrayList<>();
              for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
              }
              out.add(String.join(" | ", row));
            }
          }
          return out;
        });
  }

  @Test
  void aTrackerFileKeepsItsStyleAndItsOwnVersionRecordSaysTheNewVersion() {
    Path file =
        io.expmgr.support.TrackerFixtures.copy(io.expmgr.support.TrackerFixtures.API_1_0, dir);
    Database db = Database.open(ConnectionConfig.sqlite(file), OpenMode.EXISTING);
    String before = io.expmgr.support.SqliteDump.of(file);
    UpgradeResult r = upgrade(db, "2.1");
    assertThat(r.outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);

    // Its own record, as the tracker reads it: the newest row.
    assertThat(io.expmgr.db.TrackerVersions.latest(db)).contains("2.1.0");
    assertThat(rows(db, "SELECT version, migration_name FROM SCHEMA_VERSION ORDER BY id"))
        .containsExactly(
            "2.0.0 | expmgr_2_0_metric_metadata", "2.1.0 | expmgr_2_1_experiment_tags");
    assertThat(rows(db, "SELECT applied_at FROM SCHEMA_VERSION").get(0))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*");
    // The tracker's style: bare names, its types, its indexes' form.
    assertThat(rows(db, "SELECT sql FROM sqlite_master WHERE name = 'METRIC'").get(0))
        .endsWith(", metadata TEXT NOT NULL DEFAULT '{}')");
    assertThat(rows(db, "SELECT sql FROM sqlite_master WHERE name = 'idx_metric_type'"))
        .containsExactly("CREATE INDEX idx_metric_type ON METRIC(type)");
    assertThat(rows(db, "SELECT sql FROM sqlite_master WHERE name = 'EXPERIMENT_TAG'").get(0))
        .startsWith("CREATE TABLE EXPERIMENT_TAG (\n        experiment_id INT NOT NULL,")
        .doesNotContain("\"");
    assertThat(io.expmgr.db.Catalog.read(db).layout())
        .isEqualTo(io.expmgr.db.Catalog.Layout.TRACKER);
    assertThat(SchemaMigrator.versionOf(db)).isEqualTo("2.1");

    // Every row as it was, text for text; the old columns untouched.
    String after = io.expmgr.support.SqliteDump.of(file);
    for (String table : List.of("TRIAL", "TRIAL_RUN", "EPOCH", "RESULTS_METRIC", "ARTIFACT")) {
      assertThat(section(after, table)).as(table).isEqualTo(section(before, table));
    }
    assertThat(rows(db, "SELECT count(*) FROM METRIC WHERE metadata <> '{}'")).containsExactly("0");
    ValidationReport v =
        new DataValidator(io.expmgr.api.DatabaseManager.of(db)).validateDataConsistency();
    assertThat(v.overallStatus()).isNotEqualTo(io.expmgr.validate.Status.FAIL);
  }

  /** The rows of one table in a dump. */
  private static String section(String dump, String table) {
    int at = dump.indexOf("-- rows of " + table + "\n");
    int end = dump.indexOf("-- rows of ", at + 1);
    return dump.substring(at, end < 0 ? dump.length() : end);
  }

  @Test
  void theTrackersMariaDbTablesAreUpgradedInItsStyleAndRecorded() {
    ConnectionConfig maria = io.expmgr.support.MariaDbServer.get().newLatin1Database("trkup");
    made.add(maria);
    io.expmgr.support.TrackerFixtures.generate(
        maria, io.expmgr.support.TrackerFixtures.plainShape(3));
    Database db = Database.open(maria, OpenMode.EXISTING);
    assertThat(upgrade(db, null).outcome()).isEqualTo(UpgradeResult.Outcome.UPGRADED);
    assertThat(io.expmgr.db.TrackerVersions.latest(db)).contains("2.1.0");
    String ddl = rows(db, "SHOW CREATE TABLE EXPERIMENT_TAG").get(0);
    assertThat(ddl)
        .contains("`experiment_id` int(11) NOT NULL")
        .contains("`tag_name` varchar(255)");
    assertThat(SchemaMigrator.versionOf(db)).isEqualTo("2.1");
    assertThat(io.expmgr.db.Catalog.read(db).layout())
        .isEqualTo(io.expmgr.db.Catalog.Layout.TRACKER);
  }
}
