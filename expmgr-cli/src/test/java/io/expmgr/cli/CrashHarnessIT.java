package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments: for each command that writes, the packaged jar is killed at points
 * drawn from a seeded generator over the length of an uninterrupted run, the same command is run
 * again to its end, and every table of the experiment model is compared with the uninterrupted
 * run's. CI runs a small slice (two kills per command on SQLite, one on each server engine, whose
 * commands share the SQLite ones' code above the dialect); {@code -Dexpmgr.crash.kills=20
 * -Dexpmgr.crash.seed=N} runs more (half as many on the servers unless {@code
 * -Dexpmgr.crash.server-kills} says). The counts are printed.
 */
class CrashHarnessIT {
  private static final Path JAR = Path.of("target", "expmgr.jar").toAbsolutePath();
  private static final int KILLS = Integer.getInteger("expmgr.crash.kills", 2);
  private static final int SERVER_KILLS =
      Integer.getInteger("expmgr.crash.server-kills", Math.max(1, KILLS / 2));
  private static final long SEED = Long.getLong("expmgr.crash.seed", 20261130L);

  @TempDir Path dir;

  private record Command(String name, List<String> args, boolean needsSnapshot) {}

  private Path base;
  private Path snaps;
  private String snapshotId;

  private void fixtures() throws Exception {
    base = dir.resolve("base.db");
    DataGenerator.generate(ConnectionConfig.sqlite(base), SHAPE, false, ProgressListener.NONE);
    snaps = dir.resolve("snaps");
    Files.writeString(
        dir.resolve("rules.json"),
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}],\"global_settings\":{\"backup_original\":true}}");
    Process e =
        start(
            List.of(
                "export-experiment",
                "-d",
                base.toString(),
                "-e",
                "2",
                "-o",
                dir.resolve("e2.json").toString()),
            dir.resolve("export.txt"));
    assertThat(e.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(e.exitValue()).isZero();
  }

  private List<Command> commands() {
    return List.of(
        new Command(
            "transform-metrics",
            List.of(
                "transform-metrics",
                "--transformation-file",
                dir.resolve("rules.json").toString(),
                "--batch-size",
                "500",
                "--no-snapshot"),
            false),
        new Command(
            "migrate-experiment",
            List.of("migrate-experiment", "-s", "1", "--batch-size", "500", "--no-snapshot"),
            false),
        new Command(
            "import-experiment",
            List.of("import-experiment", "-i", dir.resolve("e2.json").toString(), "--no-snapshot"),
            false),
        new Command("cleanup-orphans", List.of("cleanup-orphans", "--yes", "--no-snapshot"), false),
        new Command(
            "restore-snapshot",
            List.of(
                "restore-snapshot",
                "--snapshot-dir",
                "SNAPS",
                "--snapshot-id",
                "ID",
                "--yes",
                "--no-snapshot"),
            true),
        new Command("schema upgrade", List.of("schema", "upgrade", "--no-snapshot"), false));
  }

  private List<String> argsFor(Command c, List<String> connection) {
    List<String> out = new ArrayList<>();
    for (String a : c.args()) {
      out.add(a.equals("SNAPS") ? snaps.toString() : a.equals("ID") ? snapshotId : a);
    }
    out.addAll(connection);
    return out;
  }

  private Process start(List<String> args, Path output) throws Exception {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx256m", "-jar", JAR.toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    pb.environment().put("EXPMGR_PASSWORD", io.expmgr.support.MariaDbServer.APP_PASSWORD);
    pb.redirectErrorStream(true);
    pb.redirectOutput(output.toFile());
    return pb.start();
  }

  /** The experiment model's tables as a 1.0 reader sees them; expmgr's own tables left out. */
  private static Map<String, List<List<Object>>> content(Database db) {
    Map<String, List<List<Object>>> all = TestDatabases.content(db);
    Map<String, List<List<Object>>> out = new TreeMap<>();
    all.forEach(
        (t, rows) -> {
          if (!t.toLowerCase().startsWith("expmgr_") && !t.toLowerCase().startsWith("flyway")) {
            out.put(t, rows);
          }
        });
    return out;
  }

  private static final GenerateOptions SHAPE =
      new GenerateOptions(3, 3, 2, 40, 30, 5, 1, 7, 0, 30, 0);

  /** A database to run the commands on: a copy of the base, and how to name it. */
  private interface Target {
    /** A fresh copy of the base; returns the connection arguments. */
    List<String> fresh(String name) throws Exception;

    /** The database that {@link #fresh}'s connection arguments name. */
    ConnectionConfig config(List<String> connection);

    default Map<String, List<List<Object>>> content(List<String> connection) {
      return CrashHarnessIT.content(Database.open(config(connection), OpenMode.EXISTING));
    }
  }

  private Target sqlite() {
    return new Target() {
      @Override
      public List<String> fresh(String name) throws Exception {
        Path db = dir.resolve(name + ".db");
        Files.copy(base, db, StandardCopyOption.REPLACE_EXISTING);
        for (String side : new String[] {"-wal", "-shm", "-journal"}) {
          Files.deleteIfExists(db.resolveSibling(db.getFileName() + side));
        }
        return List.of("-d", db.toString());
      }

      @Override
      public ConnectionConfig config(List<String> connection) {
        return ConnectionConfig.sqlite(Path.of(connection.get(1)));
      }
    };
  }

  /** The MariaDB database that {@link #mariadb()}'s connection arguments name. */
  private static ConnectionConfig mysqlOf(List<String> connection) {
    return ConnectionConfig.mysql(
        connection.get(4),
        Integer.parseInt(connection.get(6)),
        connection.get(2),
        connection.get(8),
        io.expmgr.support.MariaDbServer.APP_PASSWORD);
  }

  private Target mariadb() {
    io.expmgr.support.MariaDbServer server = io.expmgr.support.MariaDbServer.get();
    return new Target() {
      @Override
      public List<String> fresh(String name) {
        ConnectionConfig c = server.newDatabase("crash");
        DataGenerator.generate(c, SHAPE, false, ProgressListener.NONE);
        return List.of(
            "--mysql",
            "-d",
            c.database(),
            "--host",
            c.host(),
            "--port",
            String.valueOf(c.port()),
            "--user",
            c.user());
      }

      @Override
      public ConnectionConfig config(List<String> connection) {
        return mysqlOf(connection);
      }
    };
  }

  private Target postgres() {
    io.expmgr.support.PostgresServer server = io.expmgr.support.PostgresServer.get();
    return new Target() {
      @Override
      public List<String> fresh(String name) {
        ConnectionConfig c = server.newDatabase("crash");
        DataGenerator.generate(c, SHAPE, false, ProgressListener.NONE);
        return List.of(
            "-d",
            "postgresql://"
                + c.user()
                + ":"
                + java.net.URLEncoder.encode(c.password(), java.nio.charset.StandardCharsets.UTF_8)
                + "@"
                + c.host()
                + ":"
                + c.port()
                + "/"
                + c.database());
      }

      @Override
      public ConnectionConfig config(List<String> connection) {
        return io.expmgr.db.DatabaseUrl.parse("-d", connection.get(1), null, false);
      }
    };
  }

  @Test
  void everyWritingCommandKilledAtRandomEndsAsAnUninterruptedRunAfterARerun() throws Exception {
    fixtures();
    List<String> report = new ArrayList<>();
    String engines = System.getProperty("expmgr.crash.engines", "sqlite,mariadb,postgres");
    if (engines.contains("sqlite")) {
      harness("SQLite", sqlite(), report, KILLS);
    }
    if (engines.contains("mariadb")) {
      harness("MariaDB", mariadb(), report, SERVER_KILLS);
    }
    if (engines.contains("postgres")) {
      harness("PostgreSQL", postgres(), report, SERVER_KILLS);
    }
    System.out.println("crash harness, seed " + SEED + ":\n  " + String.join("\n  ", report));
  }

  private void harness(String engine, Target target, List<String> report, int kills)
      throws Exception {
    Random random = new Random(SEED);
    // The snapshot to restore is taken of this engine's own copy, with a third of its links gone.
    List<String> other = target.fresh("other");
    String epochMetric = "DELETE FROM EPOCH_METRIC WHERE metric_id % 3 = 0";
    Database.open(target.config(other), OpenMode.EXISTING)
        .withConnection(
            c -> {
              io.expmgr.db.Dialect.execute(c, epochMetric);
              return null;
            });
    List<String> snapArgs =
        new ArrayList<>(List.of("create-snapshot", "--snapshot-dir", snaps.toString(), "--json"));
    snapArgs.addAll(other);
    Process sp = start(snapArgs, dir.resolve("snap.txt"));
    assertThat(sp.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String snapOut = Files.readString(dir.resolve("snap.txt"));
    assertThat(sp.exitValue()).as(snapOut).isZero();
    snapshotId = snapOut.replaceAll("(?s).*\"id\"\\s*:\\s*\"([0-9_]+)\".*", "$1");
    String only = System.getProperty("expmgr.crash.commands", "");
    for (Command c : commands()) {
      if (!only.isEmpty() && !only.contains(c.name())) {
        continue;
      }
      List<String> ref = target.fresh("ref");
      long t0 = System.nanoTime();
      Process p = start(argsFor(c, ref), dir.resolve("ref.txt"));
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(p.exitValue())
          .as(c.name() + ": " + Files.readString(dir.resolve("ref.txt")))
          .isIn(0, 1);
      var wanted = target.content(ref);
      int exact = 0;
      int killedMidway = 0;
      for (int k = 0; k < kills; k++) {
        List<String> db = target.fresh("kill-" + k);
        long at = 150 + (long) (random.nextDouble() * Math.max(200, millis));
        Path victimOut = dir.resolve("victim-" + k + ".txt");
        Process victim = start(argsFor(c, db), victimOut);
        if (!victim.waitFor(at, TimeUnit.MILLISECONDS)) {
          victim.destroyForcibly();
          victim.waitFor();
          killedMidway++;
        }
        Process rerun = start(argsFor(c, db), dir.resolve("rerun.txt"));
        assertThat(rerun.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String said = Files.readString(dir.resolve("rerun.txt"));
        // A rerun of work already done may refuse it as done (exit 11): its state is the end.
        assertThat(rerun.exitValue())
            .as(
                c.name()
                    + " after a kill at "
                    + at
                    + " ms: "
                    + said
                    + "\nthe killed run had said: "
                    + Files.readString(victimOut))
            .isIn(0, 1, 11);
        assertThat(target.content(db))
            .as(engine + " " + c.name() + " killed at " + at + " ms")
            .isEqualTo(wanted);
        exact++;
      }
      report.add(
          engine
              + " "
              + c.name()
              + ": "
              + kills
              + " kills ("
              + killedMidway
              + " mid-run), "
              + exact
              + " exact");
    }
  }
}
