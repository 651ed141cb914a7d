package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.MariaDbServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Passwords stay out of output and logs, come from files, and hosts carry nothing else. */
class SecretsTest {
  private static final String SECRET = "Tr0ub4dor-xyzzy";

  @TempDir Path dir;

  private Path generated() {
    Path db = dir.resolve("s.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    return db;
  }

  private static void assertNoSecret(CliRunner.Result r) throws Exception {
    assertThat(r.err()).doesNotContain(SECRET);
    assertThat(r.out()).doesNotContain(SECRET);
    Path log = LogSetup.logFile();
    if (log != null) {
      assertThat(Files.readString(log)).doesNotContain(SECRET);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log)))
          .isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log.getParent())))
          .isEqualTo("rwx------");
    }
  }

  @Test
  void aPasswordInATargetUrlIsMaskedInErrorsAndTheVerboseLog() throws Exception {
    Path db = generated();
    CliRunner.Result r =
        CliRunner.run(
            "migrate-experiment",
            "-d",
            db.toString(),
            "-s",
            "1",
            "--verbose",
            "--to",
            "mysql://someone:" + SECRET + "@127.0.0.1:1/nowhere?bad=1");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("****");
    assertThat(LogSetup.logFile()).isNotNull();
    assertThat(Files.readString(LogSetup.logFile())).contains("mysql://someone:****@");
    assertNoSecret(r);
  }

  @Test
  void aUsageErrorDoesNotEchoThePassword() throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "validate", "--mysql", "-d", "db", "--password", SECRET, "stray", "--no-such-option");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertNoSecret(r);
  }

  @Test
  void aHostThatCarriesAPortPathOrDriverPropertiesIsRefused() {
    for (String host :
        new String[] {
          "127.0.0.1:13327/mysql?allowMultiQueries=true&x=",
          "db.example.com/other",
          "host;x=1",
          "a b",
          "user@host"
        }) {
      CliRunner.Result r = CliRunner.run("validate", "--mysql", "-d", "db", "--host", host);
      assertThat(r.exitCode()).as(host).isEqualTo(ExitCodes.INVALID_INPUT);
      assertThat(r.err()).as(host).contains("--host must be a host name");
      assertThat(r.err().strip().lines()).hasSize(1);
    }
    assertThat(ConnectionConfig.mysql("::1", 0, "db", "u", null).identity()).contains("::1");
    assertThat(ConnectionConfig.mysql("::1", 0, "db", "u", null).urlHost()).isEqualTo("[::1]");
  }

  @Test
  void passwordsComeFromAFileOrTheOptionFileAndAMissingOneIsExplained() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    ConnectionConfig c = server.newDatabase("secrets");
    // The database is empty: a SCHEMA error (exit 6) proves the login itself worked.
    String[] base = {
      "validate",
      "--mysql",
      "-d",
      c.database(),
      "--host",
      c.host(),
      "--port",
      String.valueOf(c.port()),
      "--user",
      c.user()
    };
    Path pw = dir.resolve("pw.txt");
    Files.writeString(pw, c.password() + "\n");
    CliRunner.Result fromFile = CliRunner.run(concat(base, "--password-file", pw.toString()));
    assertThat(fromFile.exitCode()).as(fromFile.err()).isEqualTo(ExitCodes.SCHEMA);

    Path cnf = dir.resolve("my.cnf");
    Files.writeString(
        cnf,
        "# options\n[mysql]\npassword=wrong\n[client]\nuser = "
            + c.user()
            + "\npassword = \""
            + c.password()
            + "\"\n");
    CliRunner.Result fromCnf =
        CliRunner.run(
            "validate",
            "--mysql",
            "-d",
            c.database(),
            "--host",
            c.host(),
            "--port",
            String.valueOf(c.port()),
            "--defaults-file",
            cnf.toString());
    assertThat(fromCnf.exitCode()).as(fromCnf.err()).isEqualTo(ExitCodes.SCHEMA);

    Path empty = dir.resolve("empty.cnf");
    Files.writeString(empty, "[client]\n");
    CliRunner.Result none = CliRunner.run(concat(base, "--defaults-file", empty.toString()));
    if (System.getenv("EXPMGR_PASSWORD") == null) {
      assertThat(none.exitCode()).isEqualTo(ExitCodes.CONNECTION);
      assertThat(none.err()).contains("no password was given").contains("--password-file");
    }
    server.dropDatabase(c.database());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
