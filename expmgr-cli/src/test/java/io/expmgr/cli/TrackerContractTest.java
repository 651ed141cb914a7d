package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateOptions.Layout;
import io.expmgr.support.ExperimentView;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.MysqlDump;
import io.expmgr.support.SqliteDump;
import io.expmgr.support.TestDatabases;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command, through the command line, over the databases our users have: the tracker's own two
 * files, and databases generated in its layouts (with and without the batch level, with final
 * metrics on epoch N, with planted problems) on SQLite and on MariaDB with the tracker's MySQL DDL
 * in a latin1 database. Each database is compared before and after with a reader independent of
 * expmgr's code ({@link SqliteDump}, {@link MysqlDump}); experiments through {@link
 * ExperimentView}.
 */
class TrackerContractTest {
  @TempDir Path dir;
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  /** A kind of database: how to make a fresh one of it. */
  record Subject(
      String name, Engine engine, BiFunction<TrackerContractTest, String, ConnectionConfig> make) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static GenerateOptions plain(boolean planted) {
    return new GenerateOptions(
            2, 2, 2, 3, 2, 3, 1, 31, planted ? 3 : 0, planted ? 4 : 0, planted ? 2 : 0)
        .withLayout(Layout.TRACKER, 0, 0, 2);
  }

  static Stream<Subject> subjects() {
    return Stream.of(
        new Subject(
            "tracker 1.0 API file", Engine.SQLITE, (t, n) -> t.fixture(TrackerFixtures.API_1_0, n)),
        new Subject(
            "tracker MNIST file (batch level)",
            Engine.SQLITE,
            (t, n) -> t.fixture(TrackerFixtures.BATCH_MNIST, n)),
        new Subject(
            "SQLite tracker layout, epoch N", Engine.SQLITE, (t, n) -> t.sqlite(plain(false), n)),
        new Subject(
            "SQLite tracker-batch, planted problems",
            Engine.SQLITE,
            (t, n) -> t.sqlite(TrackerFixtures.batchShape(32, true), n)),
        new Subject(
            "MariaDB tracker DDL, batch level, planted",
            Engine.MYSQL,
            (t, n) -> t.maria(TrackerFixtures.batchShape(33, true), n)),
        new Subject(
            "MariaDB tracker DDL, no batch level",
            Engine.MYSQL,
            (t, n) -> t.maria(plain(false), n)));
  }

  private ConnectionConfig fixture(String file, String name) {
    return ConnectionConfig.sqlite(TrackerFixtures.copy(file, dir.resolve(name)));
  }

  private ConnectionConfig sqlite(GenerateOptions shape, String name) {
    return TrackerFixtures.generate(ConnectionConfig.sqlite(dir.resolve(name + ".db")), shape);
  }

  private ConnectionConfig maria(GenerateOptions shape, String name) {
    ConnectionConfig c = MariaDbServer.get().newLatin1Database(name);
    made.add(c);
    return TrackerFixtures.generate(c, shape);
  }

  /** A fresh empty target of the engine, for restores. */
  private ConnectionConfig empty(Engine engine, String name) {
    ConnectionConfig c = TestDatabases.fresh(engine, dir, name);
    made.add(c);
    return c;
  }

  private static String dump(ConnectionConfig c) {
    return c.engine() == Engine.SQLITE ? SqliteDump.of(Path.of(c.database())) : MysqlDump.of(c);
  }

  /** The dump without expmgr's own tables (its ledgers record every run, as they should). */
  private static String userDump(ConnectionConfig c) {
    return c.engine() == Engine.SQLITE
        ? SqliteDump.withoutTables(dump(c), "expmgr_")
        : MysqlDump.withoutTables(dump(c), "expmgr_");
  }

  private static List<String> conn(ConnectionConfig c) {
    if (c.engine() == Engine.SQLITE) {
      return List.of("-d", c.database());
    }
    return List.of(
        "--mysql",
        "-d",
        c.database(),
        "--host",
        c.host(),
        "--port",
        String.valueOf(c.port()),
        "--user",
        c.user(),
        "--password=" + c.password());
  }

  private static CliRunner.Result run(ConnectionConfig c, String command, String... more) {
    List<String> args = new ArrayList<>();
    args.add(command);
    if (command.equals("schema")) {
      args.add(more[0]);
      more = java.util.Arrays.copyOfRange(more, 1, more.length);
    }
    args.addAll(conn(c));
    args.addAll(List.of(more));
    return CliRunner.run(args.toArray(String[]::new));
  }

  private static CliRunner.Result ok(ConnectionConfig c, String command, String... more) {
    CliRunner.Result r = run(c, command, more);
    assertThat(r.exitCode()).as(command + ": " + r.err() + r.out()).isZero();
    return r;
  }

  private static List<Long> experiments(ConnectionConfig c) {
    Database db = Database.open(c, OpenMode.EXISTING);
    return db.withConnection(
        x -> {
          List<Long> ids = new ArrayList<>();
          try (var st = x.createStatement();
              ResultSet rs = st.executeQuery("SELECT id FROM EXPERIMENT ORDER BY id")) {
            while (rs.next()) {
              ids.add(rs.getLong(1));
            }
          }
          return ids;
        });
  }

  private static long count(ConnectionConfig c, String sql) {
    return TestDatabases.scalar(Database.open(c, OpenMode.EXISTING), sql);
  }

  private static final String LINKS_TO_MISSING_EPOCHS =
      "SELECT count(*) FROM EPOCH_METRIC l WHERE NOT EXISTS (SELECT 1 FROM EPOCH p WHERE p.idx ="
          + " l.epoch_idx AND p.trial_run_id = l.epoch_trial_run_id)";

  private Path rules(String json) throws Exception {
    Path p = dir.resolve("rules-" + made.size() + "-" + System.nanoTime() + ".json");
    Files.writeString(p, json);
    return p;
  }

  // ------------------------------------------------------------------ the contract

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void commandsThatReadChangeNothingAndTheirFindingsAgree(Subject s) throws Exception {
    ConnectionConfig c = s.make().apply(this, "read");
    String before = dump(c);
    long linksToEpochN = count(c, LINKS_TO_MISSING_EPOCHS);

    CliRunner.Result validate = run(c, "validate", "-o", dir.resolve("report.json").toString());
    assertThat(validate.exitCode()).as(validate.err()).isIn(0, 1);
    if (s.name().contains("planted")) {
      assertThat(validate.exitCode()).isEqualTo(1);
    }
    if (linksToEpochN > 0) {
      // The tracker's final metrics are reported as what they are, not as broken links.
      assertThat(validate.out()).contains(linksToEpochN + " links to epoch N");
    }
    assertThat(validate.out()).doesNotContain("unlinked metrics");
    CliRunner.Result hierarchy = run(c, "check-hierarchy");
    assertThat(hierarchy.exitCode()).isIn(0, 1);
    CliRunner.Result status = ok(c, "schema", "status");
    assertThat(status.out()).contains("Layout:    tracker");
    assertThat(validate.out())
        .contains("(schema " + (status.out().contains("Version:   1.0") ? "1.0" : ""));
    for (long e : experiments(c)) {
      ok(
          c,
          "export-experiment",
          "-e",
          String.valueOf(e),
          "-o",
          dir.resolve("e" + e + ".json").toString(),
          "--include-metrics",
          "--include-artifacts");
      ok(c, "migrate-experiment", "-s", String.valueOf(e), "--dry-run");
    }
    run(c, "cleanup-orphans", "--dry-run");
    Path scale =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":\"scale\","
                + "\"rules\":{\"factor\":2}}]}");
    assertThat(
            run(c, "transform-metrics", "--transformation-file", scale.toString(), "--dry-run")
                .exitCode())
        .isIn(0, 1);

    assertThat(SqliteDump.difference(before, dump(c))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void aSnapshotRestoresTheSameDatabaseInEachFormat(Subject s) {
    ConnectionConfig c = s.make().apply(this, "snap");
    String before = dump(c);
    List<String> formats = s.engine() == Engine.SQLITE ? List.of("sqlite", "tsv") : List.of("tsv");
    for (String format : formats) {
      Path snaps = dir.resolve("snaps-" + format);
      CliRunner.Result made =
          ok(
              c,
              "create-snapshot",
              "--snapshot-dir",
              snaps.toString(),
              "--format",
              format,
              "--json");
      String id = made.out().replaceAll("(?s).*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
      ConnectionConfig target = empty(s.engine(), "restored" + format);
      ok(
          target,
          "restore-snapshot",
          "--snapshot-dir",
          snaps.toString(),
          "--snapshot-id",
          id,
          "--yes",
          "--no-snapshot");
      assertThat(SqliteDump.difference(before, dump(target))).as(format).isEmpty();
    }
    assertThat(SqliteDump.difference(before, dump(c))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void everyExperimentTravelsByExportImportAndByMigrationRowForRow(Subject s) {
    ConnectionConfig c = s.make().apply(this, "travel");
    ConnectionConfig into = s.make().apply(this, "into");
    Database source = Database.open(c, OpenMode.EXISTING);
    Database target = Database.open(into, OpenMode.EXISTING);
    String sourceDump = dump(c);
    for (long e : experiments(c)) {
      Map<String, List<String>> view = ExperimentView.of(source, e, false);
      Path file = dir.resolve("travel" + e + ".json");
      ok(
          c,
          "export-experiment",
          "-e",
          String.valueOf(e),
          "-o",
          file.toString(),
          "--include-metrics",
          "--include-artifacts");
      CliRunner.Result imported =
          ok(into, "import-experiment", "-i", file.toString(), "--no-snapshot", "--json");
      long newId =
          Long.parseLong(
              imported.out().replaceAll("(?s).*\"experiment_id\"\\s*:\\s*(\\d+).*", "$1"));
      assertThat(ExperimentView.of(target, newId, false)).as("import of " + e).isEqualTo(view);

      CliRunner.Result copied =
          ok(into, "migrate-experiment", "-s", String.valueOf(newId), "--no-snapshot", "--json");
      long copyId =
          Long.parseLong(
              copied.out().replaceAll("(?s).*\"new_experiment_id\"\\s*:\\s*(\\d+).*", "$1"));
      assertThat(ExperimentView.of(target, copyId, false)).as("migration of " + e).isEqualTo(view);
    }
    assertThat(SqliteDump.difference(sourceDump, dump(c))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subjects")
  void writesKeepEveryRowTheyWereNotAskedToChange(Subject s) throws Exception {
    ConnectionConfig c = s.make().apply(this, "write");
    String before = userDump(c);
    Path noOp =
        rules(
            "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":"
                + "\"normalize_json_keys\",\"rules\":{\"key_mapping\":{\"no_such_key\":\"x\"}}},"
                + "{\"metric_type\":\"*\",\"transformation\":\"scale\",\"rules\":{\"factor\":1}}],"
                + "\"global_settings\":{\"backup_original\":true}}");
    CliRunner.Result t =
        run(c, "transform-metrics", "--transformation-file", noOp.toString(), "--no-snapshot");
    // Planted broken per-label values cannot be read by the rules: reported, left as they are.
    assertThat(t.exitCode()).as(t.err()).isIn(0, 1);
    assertThat(t.out()).contains(" 0 changed");
    assertThat(SqliteDump.difference(before, userDump(c))).isEmpty();

    long linksToEpochN = count(c, LINKS_TO_MISSING_EPOCHS);
    CliRunner.Result cleanup = ok(c, "cleanup-orphans", "--yes", "--no-snapshot");
    assertThat(count(c, LINKS_TO_MISSING_EPOCHS)).as(cleanup.out()).isEqualTo(linksToEpochN);
    CliRunner.Result after = run(c, "validate");
    assertThat(after.out()).containsPattern("orphans\\s+PASS");

    String cleaned = userDump(c);
    if (s.name().contains("planted")) {
      // Broken per-label values fail validation, and an upgrade starts only from a valid
      // database: refused, nothing changed.
      CliRunner.Result refused = run(c, "schema", "upgrade", "--no-snapshot");
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.out() + refused.err()).contains("nothing was changed");
      assertThat(SqliteDump.difference(cleaned, userDump(c))).isEmpty();
      return;
    }
    ok(c, "schema", "upgrade", "--no-snapshot");
    assertThat(ok(c, "schema", "status").out())
        .contains("Version:   2.1")
        .contains("SCHEMA_VERSION records 2.1.0")
        .contains("Layout:    tracker");
    String upgraded = userDump(c);
    for (String table :
        List.of("TRIAL", "TRIAL_RUN", "EPOCH", "EPOCH_METRIC", "RESULTS_METRIC", "ARTIFACT")) {
      assertThat(rowsOf(upgraded, table, c.engine()))
          .as(table)
          .isEqualTo(rowsOf(cleaned, table, c.engine()));
    }
  }

  /** The rows of one table in a dump of either kind. */
  private static String rowsOf(String dump, String table, Engine engine) {
    String start =
        engine == Engine.SQLITE ? "-- rows of " + table + "\n" : "CREATE TABLE `" + table + "`";
    String next = engine == Engine.SQLITE ? "-- rows of " : "CREATE TABLE `";
    int at = dump.indexOf(start);
    assertThat(at).as(table).isNotNegative();
    int end = dump.indexOf(next, at + 1);
    String section = dump.substring(at, end < 0 ? dump.length() : end);
    // MySQL: the rows follow the table's DDL, which ends at its options line.
    return engine == Engine.SQLITE ? section : section.substring(section.indexOf(") ENGINE="));
  }
}
