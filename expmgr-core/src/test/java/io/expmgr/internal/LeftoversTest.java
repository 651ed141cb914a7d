package io.expmgr.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.snapshot.SnapshotManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a killed process left is removed by the next run; what a live one is using is not. */
class LeftoversTest {
  @TempDir Path dir;

  /** The id of a process that has ended. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long pid = p.pid();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    return pid;
  }

  @Test
  void theNextRunRemovesWhatADeadProcessLeftAndKeepsWhatALiveOneUses() throws Exception {
    Path db = dir.resolve("x.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    long dead = deadPid();
    long alive = ProcessHandle.current().parent().map(ProcessHandle::pid).orElseThrow();
    Path restoring = Files.write(dir.resolve(".x.db.restoring-" + dead), new byte[1 << 20]);
    Path generating = Files.write(dir.resolve(".x.db.generating-" + dead), new byte[10]);
    Path busy = Files.write(dir.resolve(".x.db.restoring-" + alive), new byte[10]);
    Path otherDb = Files.write(dir.resolve(".y.db.restoring-" + dead), new byte[10]);

    Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING);

    assertThat(restoring).doesNotExist();
    assertThat(generating).doesNotExist();
    assertThat(busy).exists();
    assertThat(otherDb).exists();

    Path snaps = Files.createDirectories(dir.resolve("snaps"));
    Path partial = Files.createDirectories(snaps.resolve(".20260101_000000.partial-" + dead));
    Files.write(partial.resolve("data.db"), new byte[100]);
    Path deleting = Files.createDirectories(snaps.resolve(".20250101_000000.deleting-" + dead));
    Path stale = Files.createFile(snaps.resolve(".20240101_000000.reserved"));
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));
    Path fresh = Files.createFile(snaps.resolve(".20261130_000000.reserved"));
    Path working = Files.createDirectories(snaps.resolve(".20261130_000001.partial-" + alive));

    new SnapshotManager(Database.open(ConnectionConfig.sqlite(db), OpenMode.EXISTING), snaps);

    assertThat(partial).doesNotExist();
    assertThat(deleting).doesNotExist();
    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
    assertThat(working).exists();
  }
}
