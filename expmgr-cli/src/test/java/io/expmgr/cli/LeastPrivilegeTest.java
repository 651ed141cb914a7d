package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Failures;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An account that may only read: what it may do works, what it may not says which right. */
class LeastPrivilegeTest {
  @TempDir Path dir;

  @Test
  void aReadOnlyAccountSnapshotsAndValidatesAndAWriteSaysWhichGrantIsMissing() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig owner = server.newDatabase("leastpriv");
    try {
      DataGenerator.generate(
          owner,
          new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
          false,
          ProgressListener.NONE);
      String user = "reader_" + ProcessHandle.current().pid();
      server.admin("CREATE USER IF NOT EXISTS '" + user + "'@'%' IDENTIFIED BY 'r3ad-only'");
      server.admin(
          "GRANT SELECT, LOCK TABLES ON `" + owner.database() + "`.* TO '" + user + "'@'%'");
      Path pw = dir.resolve("pw");
      Files.writeString(pw, "r3ad-only\n");
      String[] conn = {
        "--mysql",
        "-d",
        owner.database(),
        "--host",
        owner.host(),
        "--port",
        String.valueOf(owner.port()),
        "--user",
        user,
        "--password-file",
        pw.toString()
      };
      CliRunner.Result validate = CliRunner.run(join(new String[] {"validate"}, conn));
      assertThat(validate.exitCode()).as(validate.err()).isIn(0, 1);
      CliRunner.Result snap =
          CliRunner.run(
              join(
                  new String[] {"create-snapshot", "--snapshot-dir", dir.resolve("s").toString()},
                  conn));
      assertThat(snap.exitCode()).as(snap.err()).isZero();

      Path rules = dir.resolve("r.json");
      Files.writeString(
          rules,
          "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
              + "\"rules\":{\"factor\":0.5}}]}");
      var before =
          TestDatabases.content(io.expmgr.db.Database.open(owner, io.expmgr.db.OpenMode.EXISTING));
      CliRunner.Result write =
          CliRunner.run(
              join(
                  new String[] {
                    "transform-metrics", "--transformation-file", rules.toString(), "--no-snapshot"
                  },
                  conn));
      assertThat(write.exitCode()).as(write.err()).isEqualTo(ExitCodes.PERMISSION);
      assertThat(write.err().strip().lines()).hasSize(1);
      assertThat(write.err()).contains("denied").contains("a right is missing");
      assertThat(
              TestDatabases.content(
                  io.expmgr.db.Database.open(owner, io.expmgr.db.OpenMode.EXISTING)))
          .isEqualTo(before);
      server.admin("DROP USER IF EXISTS '" + user + "'@'%'");
    } finally {
      server.dropDatabase(owner.database());
    }
  }

  @Test
  void anUpgradeByAnAccountThatMayNotCreateDatabasesNamesTheGrantOrRunsWithoutTheTrial()
      throws Exception {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig owner = server.newDatabase("uptrial");
    String user = "owner_" + ProcessHandle.current().pid();
    try {
      DataGenerator.generate(
          owner,
          new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
          false,
          ProgressListener.NONE);
      server.admin("CREATE USER IF NOT EXISTS '" + user + "'@'%' IDENTIFIED BY 'own3r'");
      server.admin("GRANT ALL ON `" + owner.database() + "`.* TO '" + user + "'@'%'");
      Path pw = dir.resolve("pw2");
      Files.writeString(pw, "own3r\n");
      String[] conn = {
        "schema",
        "upgrade",
        "--mysql",
        "-d",
        owner.database(),
        "--host",
        owner.host(),
        "--port",
        String.valueOf(owner.port()),
        "--user",
        user,
        "--password-file",
        pw.toString(),
        "--snapshot-dir",
        dir.resolve("up").toString()
      };
      CliRunner.Result refused = CliRunner.run(conn);
      assertThat(refused.exitCode())
          .as(refused.out() + refused.err())
          .isEqualTo(ExitCodes.PERMISSION);
      assertThat(refused.err()).contains("--no-trial").contains("GRANT ALL ON");
      CliRunner.Result done = CliRunner.run(join(conn, new String[] {"--no-trial"}));
      assertThat(done.exitCode()).as(done.out() + done.err()).isZero();
      assertThat(done.out()).contains("no trial on a copy").contains("Upgraded");
    } finally {
      server.admin("DROP USER IF EXISTS '" + user + "'@'%'");
      server.dropDatabase(owner.database());
    }
  }

  @Test
  void faultsAreToldApartByTheEnginesCodes() {
    assertThat(Failures.classify(new SQLException("INSERT command denied", "42000", 1142)))
        .isEqualTo(Failures.Kind.PERMISSION);
    assertThat(
            Failures.classify(
                new RuntimeException(
                    new SQLException("[SQLITE_READONLY] Attempt to write a readonly database"))))
        .isEqualTo(Failures.Kind.PERMISSION);
    assertThat(Failures.classify(new SQLException("[SQLITE_FULL] database or disk is full")))
        .isEqualTo(Failures.Kind.DISK_FULL);
    assertThat(
            Failures.classify(
                new java.io.UncheckedIOException(
                    new java.io.IOException("write failed: No space left on device"))))
        .isEqualTo(Failures.Kind.DISK_FULL);
    assertThat(Failures.classify(new SQLException("Unknown column 'x'", "42S22", 1054)))
        .isEqualTo(Failures.Kind.MISSING_SCHEMA);
    assertThat(Failures.classify(new SQLException("deadlock", "40001", 1213)))
        .isEqualTo(Failures.Kind.OTHER);
    assertThat(
            ExitCodes.of(
                new io.expmgr.DataAccessException("x", new SQLException("d", "42000", 1142))))
        .isEqualTo(ExitCodes.PERMISSION);
  }

  private static String[] join(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
