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
 * run's. CI runs a small slice ({@code -Dexpmgr.crash.kills=2}); {@code -Dexpmgr.crash.kills=20
 * -Dexpmgr.crash.seed=N} runs more. The counts are printed.
 */
class CrashHarnessIT {
  private static final Path JAR = Path.of("target", "expmgr.jar").toAbsolutePath();
  private static final int KILLS = Integer.getInteger("expmgr.crash.kills", 2);
  private static final long SEED = Long.getLong("expmgr.crash.seed", 20261130L);

  @TempDir Path dir;

  private record Command(String name, List<String> args, boolean needsSnapshot) {}

  private Path base;
  private Path snaps;
  private String snapshotId;

  private void fixtures() throws Exception {
    base = dir.resolve("base.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(base),
        new GenerateOptions(3, 3, 2, 40, 30, 5, 1, 7, 0, 30, 0),
        false,
        ProgressListener.NONE);
    snaps = dir.resolve("snaps");
    Path other = dir.resolve("other.db");
    Files.copy(base, other);
    Database d = Database.open(ConnectionConfig.sqlite(other), OpenMode.EXISTING);
    d.withConnection(
        c -> {
          io.expmgr.db.Dialect.execute(c, "DELETE FROM EPOCH_METRIC WHERE metric_id % 3 = 0");
          return null;
        });
    Process p =
        start(
            List.of(
                "create-snapshot",
                "-d",
                other.toString(),
                "--snapshot-dir",
                snaps.toString(),
                "--json"),
            dir.resolve("snap.txt"));
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String out = Files.readString(dir.resolve("snap.txt"));
    assertThat(p.exitValue()).as(out).isZero();
    snapshotId = out.replaceAll("(?s).*\"id\"\\s*:\\s*\"([0-9_]+)\".*", "$1");
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

  private List<String> argsFor(Command c, Path db) {
    List<String> out = new ArrayList<>();
    for (String a : c.args()) {
      out.add(a.equals("SNAPS") ? snaps.toString() : a.equals("ID") ? snapshotId : a);
    }
    out.add("-d");
    out.add(db.toString());
    return out;
  }

  private Process start(List<String> args, Path output) throws Exception {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx256m", "-jar", JAR.toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(output.toFile());
    return pb.start();
  }

  /** The experiment model's tables as a 1.0 reader sees them; expmgr's own tables left out. */
  private static Map<String, List<List<Object>>> content(Path db) {
    Map<String, List<List<Object>>> all =
        TestDatabases.content(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING));
    Map<String, List<List<Object>>> out = new TreeMap<>();
    all.forEach(
        (t, rows) -> {
          if (!t.toLowerCase().startsWith("expmgr_") && !t.toLowerCase().startsWith("flyway")) {
            out.put(t, rows);
          }
        });
    return out;
  }

  @Test
  void everyWritingCommandKilledAtRandomEndsAsAnUninterruptedRunAfterARerun() throws Exception {
    fixtures();
    Random random = new Random(SEED);
    List<String> report = new ArrayList<>();
    for (Command c : commands()) {
      Path ref = dir.resolve("ref-" + c.name().replace(' ', '-') + ".db");
      Files.copy(base, ref, StandardCopyOption.REPLACE_EXISTING);
      long t0 = System.nanoTime();
      Process p = start(argsFor(c, ref), dir.resolve("ref.txt"));
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(p.exitValue())
          .as(c.name() + ": " + Files.readString(dir.resolve("ref.txt")))
          .isIn(0, 1);
      var wanted = content(ref);
      int exact = 0;
      int killedMidway = 0;
      for (int k = 0; k < KILLS; k++) {
        Path db = dir.resolve("kill-" + k + ".db");
        Files.copy(base, db, StandardCopyOption.REPLACE_EXISTING);
        for (String side : new String[] {"-wal", "-shm", "-journal"}) {
          Files.deleteIfExists(db.resolveSibling(db.getFileName() + side));
        }
        long at = 150 + (long) (random.nextDouble() * Math.max(200, millis));
        Process victim = start(argsFor(c, db), dir.resolve("victim.txt"));
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
            .as(c.name() + " after a kill at " + at + " ms: " + said)
            .isIn(0, 1, 11);
        assertThat(content(db)).as(c.name() + " killed at " + at + " ms").isEqualTo(wanted);
        exact++;
      }
      report.add(
          c.name() + ": " + KILLS + " kills (" + killedMidway + " mid-run), " + exact + " exact");
    }
    System.out.println("crash harness, seed " + SEED + ":\n  " + String.join("\n  ", report));
  }
}
