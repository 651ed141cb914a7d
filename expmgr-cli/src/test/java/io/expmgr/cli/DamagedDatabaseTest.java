package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged SQLite file is refused by snapshots and by every command that writes, changing nothing.
 */
class DamagedDatabaseTest {
  @TempDir Path dir;

  /** A generated database whose b-tree pages 3, 7 and 11 have broken headers. */
  private Path damaged() throws Exception {
    Path db = dir.resolve("damaged.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      for (int page : new int[] {3, 7, 11}) {
        f.seek(4096L * (page - 1));
        f.write(new byte[] {0x0d, -1, -1, -1, -1, -1, -1, -1});
      }
    }
    return db;
  }

  /** An export of a sound database, to import into the damaged one. */
  private Path export() throws Exception {
    Path sound = dir.resolve("sound.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(sound),
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    Path out = dir.resolve("export.json");
    CliRunner.Result r =
        CliRunner.run("export-experiment", "-d", sound.toString(), "-e", "1", "-o", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    return out;
  }

  @Test
  void snapshotsAndWritesRefuseADamagedDatabaseWithTheirOwnExitCode() throws Exception {
    Path db = damaged();
    byte[] before = Files.readAllBytes(db);
    Path snaps = dir.resolve("snaps");
    Path rules = dir.resolve("rules.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}]}");
    List<String[]> commands =
        List.of(
            new String[] {
              "create-snapshot", "-d", db.toString(), "--snapshot-dir", snaps.toString()
            },
            new String[] {
              "transform-metrics",
              "-d",
              db.toString(),
              "--transformation-file",
              rules.toString(),
              "--snapshot-dir",
              snaps.toString()
            },
            new String[] {
              "transform-metrics",
              "-d",
              db.toString(),
              "--transformation-file",
              rules.toString(),
              "--no-snapshot"
            },
            new String[] {"migrate-experiment", "-d", db.toString(), "-s", "1", "--no-snapshot"});
    for (String[] args : commands) {
      CliRunner.Result r = CliRunner.run(args);
      assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(12);
      assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
      assertThat(r.err()).contains("is damaged").contains("restore-snapshot");
      assertThat(java.util.Arrays.equals(Files.readAllBytes(db), before))
          .as("the file is unchanged after " + args[0])
          .isTrue();
    }
    // No snapshot, not even a partial one, was left.
    if (Files.exists(snaps)) {
      try (var s = Files.list(snaps)) {
        assertThat(s.filter(p -> !p.getFileName().toString().startsWith(".lock")).toList())
            .isEmpty();
      }
    }
  }
}
