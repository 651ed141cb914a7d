package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.PostgresServer;
import io.expmgr.support.TestDatabases;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar and the launcher script, run as separate processes. */
class LauncherIT {
  private static final Path JAR = Path.of("target", "expmgr.jar").toAbsolutePath();

  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  private Run java(Map<String, String> env, String heap, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("java", heap, "-jar", JAR.toString()));
    command.addAll(List.of(args));
    return exec(command, env);
  }

  private Run exec(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    pb.redirectError(dir.resolve("err.txt").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), read("out.txt"), read("err.txt"));
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
  }

  @Test
  void sixteenCommandsStartedAtOnceAllWorkAndExtractNothingIntoTheSharedTempFolder()
      throws Exception {
    Path db = dir.resolve("cron.db");
    Run made = java(Map.of(), "-Xmx256m", "generate", "-d", db.toString(), "--experiments", "1");
    assertThat(made.exitCode()).as(made.err()).isZero();
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path home = dir.resolve("fresh-home");
    List<Process> started = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              "java",
              "-Xmx128m",
              "-Djava.io.tmpdir=" + tmp,
              "-jar",
              JAR.toString(),
              i % 2 == 0 ? "validate" : "list-snapshots",
              "-d",
              db.toString());
      pb.environment().put("EXPMGR_HOME", home.toString());
      pb.redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("cron-" + i + ".txt").toFile());
      started.add(pb.start());
    }
    for (int i = 0; i < started.size(); i++) {
      Process p = started.get(i);
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      String out = read("cron-" + i + ".txt");
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).doesNotContain("UnsatisfiedLinkError").doesNotContain("native lib");
    }
    try (var files = Files.list(tmp)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .noneMatch(n -> n.contains("sqlitejdbc"));
    }
  }

  @Test
  void theLauncherRunsTheBuiltJar() throws Exception {
    Run r =
        exec(
            List.of(Path.of("..", "expmgr").toAbsolutePath().normalize().toString(), "--version"),
            Map.of());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("expmgr 0.");
    assertThat(r.err()).doesNotContain("building");
  }

  @Test
  void theLauncherMapsAClassArchiveAndIgnoresADamagedOne() throws Exception {
    String launcher = Path.of("..", "expmgr").toAbsolutePath().normalize().toString();
    Path archive = Path.of("target", "expmgr.jsa").toAbsolutePath();
    Run first = exec(List.of(launcher, "--version"), Map.of());
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(archive).isRegularFile();
    byte[] good = Files.readAllBytes(archive);
    try {
      byte[] bad = good.clone();
      for (int i = bad.length / 2; i < bad.length / 2 + 100; i++) {
        bad[i] ^= 0x5a;
      }
      archive.toFile().setWritable(true);
      Files.write(archive, bad);
      Run r = exec(List.of(launcher, "--version"), Map.of());
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).startsWith("expmgr 0.");
      assertThat(r.err()).isEmpty();
    } finally {
      Files.write(archive, good);
    }
  }

  @Test
  void generatingAMillionRowsNeedsLittleMemory() throws Exception {
    Path db = dir.resolve("big.db");
    Run r =
        java(
            Map.of(),
            "-Xmx48m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "10",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6",
            "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Map<String, Long> counts =
        TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING));
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isGreaterThan(1_000_000);
    assertThat(counts.get("EPOCH_METRIC")).isEqualTo(10L * 10 * 10 * 100 * 6);
  }

  @Test
  void exportAndImportOfALargeExperimentNeedLittleMemory() throws Exception {
    Path db = dir.resolve("one.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "1",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "200",
            "--metrics",
            "10");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    Path file = dir.resolve("one.json");
    Run ex =
        java(
            Map.of(),
            "-Xmx48m",
            "export-experiment",
            "-d",
            db.toString(),
            "-e",
            "1",
            "-o",
            file.toString(),
            "--include-metrics",
            "--include-artifacts");
    assertThat(ex.exitCode()).as(ex.err()).isZero();
    Path copy = dir.resolve("copy.db");
    Run im =
        java(
            Map.of(), "-Xmx48m", "import-experiment", "-d", copy.toString(), "-i", file.toString());
    assertThat(im.exitCode()).as(im.err()).isZero();
    Map<String, Long> source =
        TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING));
    assertThat(source.get("METRIC")).isEqualTo(10L * 10 * 201 * 10);
    assertThat(
            TestDatabases.counts(Database.open(ConnectionConfig.sqlite(copy), OpenMode.EXISTING)))
        .isEqualTo(source);
  }

  @Test
  void validatingAMillionRowsNeedsLittleMemoryAndFindsEveryPlantedProblem() throws Exception {
    Path db = dir.resolve("planted.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "10",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6",
            "--orphans",
            "40",
            "--bad-json",
            "25",
            "--legacy-metrics",
            "20",
            "--json");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    Path report = dir.resolve("reports/r.json");
    Run r = java(Map.of(), "-Xmx48m", "validate", "-d", db.toString(), "-o", report.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.VALIDATION_FAILED);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.toFile());
    long fk = 0;
    for (var e : json.path("foreign_key_violations")) {
      fk += e.path("count").asLong();
    }
    assertThat(fk).isEqualTo(40);
    var perLabel = json.path("per_label_val");
    assertThat(perLabel.path("checked").asLong()).isEqualTo(10L * 10 * 10 * 101 * 6);
    assertThat(
            perLabel.path("invalid_json").asLong()
                + perLabel.path("not_object").asLong()
                + perLabel.path("string_value").asLong()
                + perLabel.path("nested_value").asLong()
                + perLabel.path("non_finite").asLong())
        .isEqualTo(25);
    assertThat(perLabel.path("legacy_array").asLong()).isEqualTo(10);
  }

  @Test
  void killNineDuringCleanupLeavesTheDatabaseBeforeOrAfterNeverBetween() throws Exception {
    Path db = dir.resolve("kill.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "10",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6",
            "--orphans",
            "40");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    long before = total(db);
    ProcessBuilder pb =
        new ProcessBuilder(
            "java",
            "-Xmx128m",
            "-jar",
            JAR.toString(),
            "cleanup-orphans",
            "-d",
            db.toString(),
            "--yes",
            "--snapshot-dir",
            dir.resolve("snaps").toString());
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    Path out = dir.resolve("cleanup.txt");
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (p.isAlive()
        && !Files.readString(out).contains("Safety snapshot")
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    Thread.sleep(100);
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long after = total(db);
    assertThat(after).isIn(before, before - 40);
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    String integrity =
        d.withConnection(
            c -> {
              try (var st = c.createStatement();
                  var rs = st.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                return rs.getString(1);
              }
            });
    assertThat(integrity).isEqualTo("ok");
    // Running it again finishes the job exactly once.
    Run again =
        java(
            Map.of(), "-Xmx128m", "cleanup-orphans", "-d", db.toString(), "--yes", "--no-snapshot");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(total(db)).isEqualTo(before - 40);
  }

  @Test
  void killNineDuringASchemaUpgradeIsUndoneByTheNextRun() throws Exception {
    Path db = dir.resolve("upgrade.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "10",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    long before = total(db);
    Process p =
        start(
            "schema",
            "upgrade",
            "-d",
            db.toString(),
            "--snapshot-dir",
            dir.resolve("snaps").toString());
    // The journal exists exactly while the real database changes: kill it then.
    Path locks = dir.resolve("home").resolve("locks");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    boolean killed = false;
    while (p.isAlive() && System.nanoTime() < deadline) {
      if (Files.isDirectory(locks)) {
        try (Stream<Path> s = Files.list(locks)) {
          if (s.anyMatch(f -> f.getFileName().toString().endsWith(".journal.json"))) {
            p.destroyForcibly();
            killed = true;
            break;
          }
        }
      }
      Thread.sleep(1);
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(total(db)).isEqualTo(before);
    Run again =
        java(
            Map.of(),
            "-Xmx128m",
            "schema",
            "upgrade",
            "-d",
            db.toString(),
            "--snapshot-dir",
            dir.resolve("snaps").toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    if (killed) {
      assertThat(again.out()).contains("was interrupted: restored snapshot");
    }
    assertThat(again.out()).containsAnyOf("Upgraded", "already at schema 2.1");
    Run status = java(Map.of(), "-Xmx128m", "schema", "status", "-d", db.toString(), "--json");
    assertThat(status.out()).contains("\"version\" : \"2.1\"", "\"matches_model\" : true");
    assertThat(total(db)).isEqualTo(before);
  }

  @Test
  void killNineDuringSnapshotAndRestoreNeverLeavesAHalfOfAnything() throws Exception {
    Path db = dir.resolve("snap.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "10",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    Path snaps = dir.resolve("snaps");
    Run first =
        java(
            Map.of(),
            "-Xmx128m",
            "create-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--json");
    assertThat(first.exitCode()).as(first.err()).isZero();
    String id =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(first.out()).path("id").asText();

    // Killed while writing a second snapshot: nothing new is listed.
    Process p = start("create-snapshot", "-d", db.toString(), "--snapshot-dir", snaps.toString());
    waitForFile(snaps, ".partial-");
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    Run list =
        java(
            Map.of(),
            "-Xmx64m",
            "list-snapshots",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--json");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.out())).hasSize(1);

    // Killed while restoring over a changed database: the file is entirely old or entirely new.
    Database d = Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);
    d.withConnection(
        c -> {
          io.expmgr.db.Dialect.execute(c, "DELETE FROM EPOCH_METRIC WHERE epoch_idx > 50");
          return null;
        });
    long changed = total(db);
    Process r =
        start(
            "restore-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id,
            "--yes",
            "--no-snapshot");
    waitForFile(dir, ".restoring-");
    r.destroyForcibly();
    r.waitFor(30, TimeUnit.SECONDS);
    long after = total(db);
    assertThat(after).isIn(changed, 1_320_330L);
    Run again =
        java(
            Map.of(),
            "-Xmx128m",
            "restore-snapshot",
            "-d",
            db.toString(),
            "--snapshot-dir",
            snaps.toString(),
            "--snapshot-id",
            id,
            "--yes",
            "--no-snapshot");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(total(db)).isEqualTo(1_320_330L);
  }

  private Process start(String... args) throws IOException {
    return startJar(Map.of(), "started.txt", List.of(args));
  }

  /** Starts the jar under -Xmx128m with the test's home, its output (both streams) in a file. */
  private Process startJar(Map<String, String> env, String out, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx128m", "-jar", JAR.toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve(out).toFile());
    return pb.start();
  }

  private static void waitForFile(Path folder, String part) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(folder)) {
        try (Stream<Path> s = Files.list(folder)) {
          if (s.anyMatch(f -> f.getFileName().toString().contains(part))) {
            return;
          }
        }
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no " + part + " file appeared in " + folder);
  }

  private static long total(Path db) {
    return TestDatabases.counts(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING))
        .values()
        .stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  @Test
  void theEnvironmentSuppliesThePassword() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig config = server.config(server.newDatabaseName("env"));
    try {
      String[] args = {
        "generate",
        "-d",
        config.database(),
        "--mysql",
        "--host",
        server.host(),
        "--port",
        String.valueOf(server.port()),
        "--user",
        MariaDbServer.APP_USER,
        "--experiments",
        "1"
      };
      Run wrong = java(Map.of("EXPMGR_PASSWORD", "not-the-password"), "-Xmx128m", args);
      assertThat(wrong.exitCode()).isEqualTo(ExitCodes.CONNECTION);
      assertThat(wrong.err()).startsWith("error: access denied").doesNotContain("not-the-password");
      Run right = java(Map.of("EXPMGR_PASSWORD", MariaDbServer.APP_PASSWORD), "-Xmx128m", args);
      assertThat(right.exitCode()).as(right.err()).isZero();
      assertThat(TestDatabases.counts(Database.open(config, OpenMode.EXISTING)).get("EXPERIMENT"))
          .isEqualTo(1);
    } finally {
      TestDatabases.dispose(config);
    }
  }

  @Test
  void ctrlCDuringGenerateLeavesNoFileBehind() throws Exception {
    Path db = dir.resolve("interrupted.db");
    ProcessBuilder pb =
        new ProcessBuilder(
            "java",
            "-Xmx128m",
            "-jar",
            JAR.toString(),
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "20",
            "--trials",
            "20",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6");
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (temporaryFiles().isEmpty() && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(20);
    }
    assertThat(temporaryFiles()).as("generation started").isNotEmpty();
    new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(ExitCodes.INTERRUPTED);
    assertThat(db).doesNotExist();
    assertThat(temporaryFiles()).isEmpty();
  }

  /** A database for transform runs, a copy of it transformed without interruption, and rules. */
  private Path[] scaleFixture() throws Exception {
    Path db = dir.resolve("scale.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "4",
            "--trials",
            "5",
            "--runs",
            "10",
            "--epochs",
            "40",
            "--metrics",
            "4");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    Path ref = dir.resolve("ref.db");
    Files.copy(db, ref);
    Path rules = dir.resolve("scale.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}],\"global_settings\":{\"backup_original\":true}}");
    Run r =
        java(
            Map.of(),
            "-Xmx128m",
            "transform-metrics",
            "-d",
            ref.toString(),
            "--transformation-file",
            rules.toString(),
            "--no-snapshot");
    assertThat(r.exitCode()).as(r.err()).isZero();
    return new Path[] {db, ref, rules};
  }

  /** The run's progress as recorded, and the originals it holds; zeros before it exists. */
  private static long[] progress(Path db) {
    Database d = Database.openReadOnly(ConnectionConfig.sqlite(db));
    return d.withConnection(
        c -> {
          try (var st = c.createStatement()) {
            try (var rs =
                st.executeQuery(
                    "SELECT processed, changed, (SELECT count(*) FROM expmgr_metric_backup)"
                        + " FROM expmgr_migration_runs ORDER BY run_id DESC LIMIT 1")) {
              return rs.next()
                  ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}
                  : new long[] {0, 0, 0};
            }
          } catch (java.sql.SQLException e) {
            return new long[] {0, 0, 0}; // the ledger does not exist yet
          }
        });
  }

  private Process startTransform(Path db, Path rules, String out) throws IOException {
    return startJar(
        Map.of(),
        out,
        List.of(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            rules.toString(),
            "--no-snapshot",
            "--strategy",
            "conservative",
            "--batch-size",
            "50"));
  }

  /** Waits until the run has committed at least {@code items} (or the process ended). */
  private static void awaitProgress(Process p, Path db, long items) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (p.isAlive() && progress(db)[0] < items && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  @Test
  void killNineAtSeveralPointsOfAScaleRunThenARerunGivesTheUninterruptedResult() throws Exception {
    Path[] f = scaleFixture();
    Path db = f[0];
    List<List<Object>> wanted = metrics(f[1]);
    long killedAfter = -1;
    for (long at : new long[] {1, 600, 1500}) {
      Process p = startTransform(db, f[2], "kill" + at + ".txt");
      awaitProgress(p, db, at);
      assertThat(p.isAlive()).as("still running at " + at).isTrue();
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long[] state = progress(db);
      // Exactly once at every point: each metric changed has its original kept, no more.
      assertThat(state[1]).isEqualTo(state[2]);
      assertThat(state[0]).isGreaterThanOrEqualTo(killedAfter);
      killedAfter = state[0];
    }
    assertThat(metrics(db)).isNotEqualTo(wanted);
    Run rest =
        java(
            Map.of(),
            "-Xmx128m",
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            f[2].toString(),
            "--no-snapshot");
    assertThat(rest.exitCode()).as(rest.err()).isZero();
    assertThat(rest.out()).contains("(resumed)");
    assertThat(metrics(db)).isEqualTo(wanted);
  }

  @Test
  void ctrlCFinishesTheBatchASecondRunIsRefusedAndTheSameCommandResumes() throws Exception {
    Path[] f = scaleFixture();
    Path db = f[0];
    List<List<Object>> wanted = metrics(f[1]);
    Process p = startTransform(db, f[2], "first.txt");
    awaitProgress(p, db, 100);
    assertThat(p.isAlive()).isTrue();

    // A second run on the same database fails fast, naming the first.
    Run second =
        java(
            Map.of(),
            "-Xmx128m",
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            f[2].toString(),
            "--no-snapshot");
    assertThat(second.exitCode()).isEqualTo(ExitCodes.CONFLICT);
    assertThat(second.err()).contains("pid " + p.pid());

    new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(ExitCodes.INTERRUPTED);
    assertThat(Files.readString(dir.resolve("first.txt")))
        .contains("Stopping after the current batch", "Run the same command again")
        .doesNotContain("could not record");
    long[] state = progress(db);
    assertThat(state[0] % 50).isZero();
    assertThat(state[1]).isEqualTo(state[2]);

    Run rest =
        java(
            Map.of(),
            "-Xmx128m",
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            f[2].toString(),
            "--no-snapshot",
            "--progress",
            "log");
    assertThat(rest.exitCode()).as(rest.err()).isZero();
    assertThat(rest.out()).contains("(resumed)", "ETA");
    assertThat(metrics(db)).isEqualTo(wanted);
  }

  @Test
  void killNineDuringAScaleRunOnMariaDbThenARerunGivesTheUninterruptedResult() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig work = server.config(server.newDatabaseName("kill"));
    ConnectionConfig ref = server.config(server.newDatabaseName("ref"));
    try {
      var shape = new io.expmgr.generate.GenerateOptions(2, 4, 5, 20, 4, 3, 1, 17, 0, 0, 0);
      for (ConnectionConfig c : List.of(work, ref)) {
        io.expmgr.generate.DataGenerator.generate(c, shape, false, io.expmgr.ProgressListener.NONE);
      }
      Path rules = dir.resolve("scale.json");
      Files.writeString(
          rules,
          "{\"metric_transformations\":[{\"metric_type\":\"*\",\"transformation\":\"scale\","
              + "\"rules\":{\"factor\":0.5}}],\"global_settings\":{\"backup_original\":true}}");
      Database refDb = Database.open(ref, OpenMode.EXISTING);
      io.expmgr.migrate.MetricTransformRun.run(
          refDb,
          List.of(),
          io.expmgr.migrate.MigrationOptions.defaults()
              .withRules(io.expmgr.migrate.TransformationRules.read(rules))
              .withSafetySnapshot(false, null));
      List<List<Object>> wanted = TestDatabases.content(refDb).get("METRIC");
      Database db = Database.open(work, OpenMode.EXISTING);
      List<String> args =
          List.of(
              "transform-metrics",
              "-d",
              work.database(),
              "--mysql",
              "--host",
              server.host(),
              "--port",
              String.valueOf(server.port()),
              "--user",
              MariaDbServer.APP_USER,
              "--transformation-file",
              rules.toString(),
              "--no-snapshot");
      Map<String, String> env = Map.of("EXPMGR_PASSWORD", MariaDbServer.APP_PASSWORD);
      long last = -1;
      for (long at : new long[] {1, 900, 2500}) {
        List<String> slow = new ArrayList<>(args);
        slow.addAll(List.of("--strategy", "conservative", "--batch-size", "50"));
        Process p = startJar(env, "maria" + at + ".txt", slow);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && mariaProgress(db)[0] < at && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        assertThat(p.isAlive()).as("still running at " + at).isTrue();
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long[] state = mariaProgress(db);
        assertThat(state[1]).isEqualTo(state[2]);
        assertThat(state[0]).isGreaterThanOrEqualTo(last);
        last = state[0];
      }
      assertThat(TestDatabases.content(db).get("METRIC")).isNotEqualTo(wanted);
      Process rest = startJar(env, "maria-rest.txt", args);
      assertThat(rest.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(rest.exitValue()).as(Files.readString(dir.resolve("maria-rest.txt"))).isZero();
      assertThat(Files.readString(dir.resolve("maria-rest.txt"))).contains("(resumed)");
      assertThat(TestDatabases.content(db).get("METRIC")).isEqualTo(wanted);
    } finally {
      TestDatabases.dispose(work);
      TestDatabases.dispose(ref);
    }
  }

  private static long[] mariaProgress(Database db) {
    return db.withConnection(
        c -> {
          try (var st = c.createStatement();
              var rs =
                  st.executeQuery(
                      "SELECT processed, changed, (SELECT count(*) FROM expmgr_metric_backup)"
                          + " FROM expmgr_migration_runs ORDER BY run_id DESC LIMIT 1")) {
            return rs.next()
                ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}
                : new long[] {0, 0, 0};
          } catch (java.sql.SQLException e) {
            return new long[] {0, 0, 0};
          }
        });
  }

  @Test
  void migratingALargeExperimentToAnotherFileNeedsLittleMemory() throws Exception {
    Path db = dir.resolve("big.db");
    Run gen =
        java(
            Map.of(),
            "-Xmx128m",
            "generate",
            "-d",
            db.toString(),
            "--experiments",
            "2",
            "--trials",
            "10",
            "--runs",
            "10",
            "--epochs",
            "100",
            "--metrics",
            "6");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    Path copy = dir.resolve("copy.db");
    Run m =
        java(
            Map.of(),
            "-Xmx48m",
            "migrate-experiment",
            "-d",
            db.toString(),
            "-s",
            "2",
            "--to",
            "sqlite:" + copy,
            "--strategy",
            "aggressive",
            "--json");
    assertThat(m.exitCode()).as(m.err()).isZero();
    long copied =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(m.out())
            .get("items_processed")
            .asLong();
    assertThat(copied).isGreaterThan(100_000);
    assertThat(total(copy)).isEqualTo(copied);
  }

  private static List<List<Object>> metrics(Path db) {
    return TestDatabases.content(Database.openReadOnly(ConnectionConfig.sqlite(db))).get("METRIC");
  }

  private List<Path> temporaryFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().contains(".generating-")).toList();
    }
  }

  /**
   * PostgreSQL streams a result only inside a transaction: every whole-table read of a large
   * database (validation, snapshot, export) must still fit a small heap.
   */
  @Test
  void aLargePostgresDatabaseIsValidatedSnapshotAndExportedInLittleMemory() throws Exception {
    PostgresServer pg = PostgresServer.get();
    ConnectionConfig config = pg.config(pg.newDatabaseName("big"));
    ConnectionConfig restored = pg.config(pg.newDatabaseName("bigback"));
    Map<String, String> env = Map.of("EXPMGR_PASSWORD", PostgresServer.APP_PASSWORD);
    String url =
        "postgresql://" + PostgresServer.APP_USER + "@" + pg.host() + ":" + pg.port() + "/";
    try {
      Run gen =
          java(
              env,
              "-Xmx64m",
              "generate",
              "-d",
              url + config.database(),
              "--experiments",
              "1",
              "--trials",
              "10",
              "--runs",
              "10",
              "--epochs",
              "200",
              "--metrics",
              "10");
      assertThat(gen.exitCode()).as(gen.err()).isZero();
      Run v = java(env, "-Xmx48m", "validate", "-d", url + config.database());
      assertThat(v.exitCode()).as(v.err()).isZero();
      Path snaps = dir.resolve("pg-snaps");
      Run s =
          java(
              env,
              "-Xmx48m",
              "create-snapshot",
              "-d",
              url + config.database(),
              "--snapshot-dir",
              snaps.toString(),
              "--json");
      assertThat(s.exitCode()).as(s.err()).isZero();
      String id =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(s.out()).path("id").asText();
      Run ex =
          java(
              env,
              "-Xmx48m",
              "export-experiment",
              "-d",
              url + config.database(),
              "-e",
              "1",
              "-o",
              dir.resolve("pg.json").toString(),
              "--include-metrics");
      assertThat(ex.exitCode()).as(ex.err()).isZero();
      Run r =
          java(
              env,
              "-Xmx48m",
              "restore-snapshot",
              "-d",
              url + restored.database(),
              "--from-dir",
              snaps.toString(),
              "--snapshot-id",
              id,
              "--yes");
      assertThat(r.exitCode()).as(r.err()).isZero();
      Map<String, Long> source = TestDatabases.counts(Database.open(config, OpenMode.EXISTING));
      assertThat(source.get("METRIC")).isEqualTo(10L * 10 * 201 * 10);
      assertThat(TestDatabases.counts(Database.open(restored, OpenMode.EXISTING)))
          .isEqualTo(source);
    } finally {
      TestDatabases.dispose(config);
      TestDatabases.dispose(restored);
    }
  }
}
