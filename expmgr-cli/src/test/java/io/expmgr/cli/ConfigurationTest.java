package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.support.MariaDbServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection settings come from the command line, the environment, the config file or a URL, in
 * that order of precedence, on SQLite and on MariaDB.
 */
class ConfigurationTest {
  @TempDir Path dir;
  private String home;

  @BeforeEach
  void home() {
    home = System.getProperty("expmgr.home");
    System.setProperty("expmgr.home", dir.resolve("home").toString());
  }

  @AfterEach
  void restoreHome() {
    if (home == null) {
      System.clearProperty("expmgr.home");
    } else {
      System.setProperty("expmgr.home", home);
    }
  }

  private static CliRunner.Result run(Map<String, String> env, String... args) {
    return Environment.with(env, () -> CliRunner.run(args));
  }

  private Path sqliteDb() {
    Path db = dir.resolve("exp.db");
    assertThat(CliRunner.run("generate", "-d", db.toString(), "--experiments", "1").exitCode())
        .isZero();
    return db;
  }

  @Test
  void sqliteFromTheEnvironmentTheConfigFileOrAUrl() throws Exception {
    Path db = sqliteDb();
    // The environment.
    CliRunner.Result env = run(Map.of("EXPMGR_DATABASE", db.toString()), "validate", "--json");
    assertThat(env.exitCode()).as(env.err()).isZero();
    assertThat(env.out()).contains(db.toString());
    // The default config file, $EXPMGR_HOME/config.
    Files.createDirectories(dir.resolve("home"));
    Files.writeString(
        dir.resolve("home/config"), "# defaults\ndatabase = \"" + db + "\"\nengine=sqlite\n");
    CliRunner.Result file = run(Map.of(), "list-snapshots");
    assertThat(file.exitCode()).as(file.err()).isZero();
    assertThat(CliRunner.run("check-hierarchy").exitCode()).isZero();
    // A URL in -d.
    CliRunner.Result url = run(Map.of(), "check-hierarchy", "-d", "sqlite:" + db, "--json");
    assertThat(url.exitCode()).as(url.err()).isZero();
    // The command line beats the environment, which beats the config file.
    Path missing = dir.resolve("missing.db");
    CliRunner.Result flag =
        run(Map.of("EXPMGR_DATABASE", db.toString()), "validate", "-d", missing.toString());
    assertThat(flag.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(flag.err()).contains("missing.db");
    CliRunner.Result envWins =
        run(Map.of("EXPMGR_DATABASE", missing.toString()), "check-hierarchy");
    assertThat(envWins.exitCode()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(missing).doesNotExist();
  }

  @Test
  void aConfigFileWithATypoOrAReadablePasswordIsRefusedInOneLine() throws Exception {
    Path db = sqliteDb();
    Path conf = dir.resolve("expmgr.conf");
    Files.writeString(conf, "database = " + db + "\nhots = db.example.com\n");
    CliRunner.Result typo = run(Map.of(), "validate", "--config", conf.toString());
    assertThat(typo.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(typo.err().strip())
        .contains("line 2: unknown key 'hots'")
        .contains("known: database")
        .doesNotContain("\n");
    Files.writeString(conf, "database " + db + "\n");
    assertThat(run(Map.of(), "validate", "--config", conf.toString()).err())
        .contains("line 1: expected key = value");
    Files.writeString(conf, "engine = mysql\nport = 33o6\ndatabase = x\n");
    CliRunner.Result port = run(Map.of(), "validate", "--config", conf.toString());
    assertThat(port.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(port.err()).contains("is not a number: 33o6");
    Files.writeString(conf, "engine = mysql\ndatabase = x\npassword = hunter2\n");
    Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
    CliRunner.Result pw = run(Map.of(), "validate", "--config", conf.toString());
    assertThat(pw.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(pw.err()).contains("chmod 600").doesNotContain("hunter2");
    CliRunner.Result none =
        run(Map.of(), "validate", "--config", dir.resolve("nope.conf").toString());
    assertThat(none.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    CliRunner.Result engine =
        run(Map.of("EXPMGR_ENGINE", "oracle", "EXPMGR_DATABASE", "x"), "validate");
    assertThat(engine.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(engine.err())
        .contains("unknown database engine 'oracle': expected one of sqlite, mysql, postgres");
  }

  @Test
  void mariaDbFromTheEnvironmentTheConfigFileOrAUrl() throws Exception {
    MariaDbServer server = MariaDbServer.get();
    String name = server.newDatabaseName("conf");
    try {
      String host = server.host();
      String port = Integer.toString(server.port());
      Map<String, String> env = new HashMap<>();
      env.put("EXPMGR_ENGINE", "mysql");
      env.put("EXPMGR_HOST", host);
      env.put("EXPMGR_PORT", port);
      env.put("EXPMGR_USER", MariaDbServer.APP_USER);
      env.put("EXPMGR_PASSWORD", MariaDbServer.APP_PASSWORD);
      env.put("EXPMGR_SSL_MODE", "disabled");
      CliRunner.Result gen = run(env, "generate", "-d", name, "--experiments", "1");
      assertThat(gen.exitCode()).as(gen.err()).isZero();
      CliRunner.Result fromEnv = run(env, "check-hierarchy", "-d", name, "--json");
      assertThat(fromEnv.exitCode()).as(fromEnv.err()).isZero();
      // The command line beats the environment: a wrong port there is used, and fails.
      CliRunner.Result flag = run(env, "check-hierarchy", "-d", name, "--port", "1");
      assertThat(flag.exitCode()).isEqualTo(ExitCodes.CONNECTION);

      // A config file, the password in a file of its own.
      Path pwFile = dir.resolve("pw");
      Files.writeString(pwFile, MariaDbServer.APP_PASSWORD + "\n");
      Path conf = dir.resolve("maria.conf");
      Files.writeString(
          conf,
          String.join(
              "\n",
              "engine = mysql",
              "database = " + name,
              "host = " + host,
              "port = " + port,
              "user = " + MariaDbServer.APP_USER,
              "password-file = " + pwFile,
              "ssl-mode = disabled",
              ""));
      CliRunner.Result fromFile = run(Map.of(), "validate", "--config", conf.toString(), "--json");
      assertThat(fromFile.exitCode()).as(fromFile.err()).isIn(0, 1);
      assertThat(fromFile.out()).contains(name);
      // The environment beats the config file.
      CliRunner.Result envBeatsFile =
          run(Map.of("EXPMGR_PORT", "1"), "check-hierarchy", "--config", conf.toString());
      assertThat(envBeatsFile.exitCode()).isEqualTo(ExitCodes.CONNECTION);

      // A URL in -d, its password from the environment.
      String url = "mysql://" + MariaDbServer.APP_USER + "@" + host + ":" + port + "/" + name;
      CliRunner.Result byUrl =
          run(
              Map.of("EXPMGR_PASSWORD", MariaDbServer.APP_PASSWORD),
              "check-hierarchy",
              "-d",
              url + "?ssl-mode=disabled",
              "--json");
      assertThat(byUrl.exitCode()).as(byUrl.err()).isZero();
      CliRunner.Result both = run(Map.of(), "check-hierarchy", "-d", url, "--host", host);
      assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
      assertThat(both.err()).contains("--host and a --database URL");
      // A password in the URL is never echoed.
      CliRunner.Result wrong =
          run(
              Map.of(),
              "check-hierarchy",
              "-d",
              "mysql://" + MariaDbServer.APP_USER + ":Wr0ngPass@" + host + ":" + port + "/" + name);
      assertThat(wrong.exitCode()).isEqualTo(ExitCodes.CONNECTION);
      assertThat(wrong.err() + wrong.out()).doesNotContain("Wr0ngPass");
    } finally {
      server.dropDatabase(name);
    }
  }
}
