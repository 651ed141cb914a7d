package io.expmgr.cli;

import io.expmgr.InvalidInputException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.DatabaseUrl;
import io.expmgr.db.Engine;
import io.expmgr.db.SslMode;
import picocli.CommandLine.Option;

/**
 * The connection options every command shares (the FAQ's). Each one is taken from, in order: the
 * command line, its environment variable ({@link Environment}), the config file ({@link
 * ConfigFile}), the {@code [client]} section of a MySQL option file (user, password, host, port),
 * and the default. {@code -d} also takes a URL ({@link DatabaseUrl}).
 */
public final class ConnectionOptions {
  /** Read when {@code --password} is not given. */
  public static final String PASSWORD_ENV = "EXPMGR_PASSWORD";

  @Option(
      names = {"-d", "--database"},
      paramLabel = "DB",
      description =
          "SQLite file path, MySQL database name with --mysql, or a URL: sqlite:PATH,"
              + " mysql://user@host:port/db, postgresql://user@host:port/db. Default:"
              + " $EXPMGR_DATABASE, or database= in the config file.")
  String database;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Read connection defaults from FILE (default: $EXPMGR_CONFIG, else"
              + " $EXPMGR_HOME/config when it exists). Command-line options and environment"
              + " variables win over it.")
  java.nio.file.Path configFile;

  @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
  picocli.CommandLine.Model.CommandSpec mixee;

  @Option(names = "--sqlite", description = "The database is a SQLite file (default).")
  boolean sqlite;

  @Option(names = "--mysql", description = "The database is on a MySQL or MariaDB server.")
  boolean mysql;

  @Option(
      names = "--host",
      description = "Server host, MySQL or PostgreSQL (default: $EXPMGR_HOST, else localhost).")
  String host;

  @Option(
      names = "--port",
      description =
          "Server port (default: $EXPMGR_PORT, else 3306 for MySQL, 5432 for PostgreSQL).")
  Integer port;

  @Option(
      names = "--user",
      description = "Server user (default: $EXPMGR_USER, else your login name).")
  String user;

  @Option(
      names = "--password",
      arity = "0..1",
      interactive = true,
      prompt = "Password: ",
      description =
          "Server password. Without a value: asks for it without echo. Default: $"
              + PASSWORD_ENV
              + ".")
  char[] password;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description =
          "Read the server password from the first line of FILE (keeps it out of ps and the shell"
              + " history). Default: $EXPMGR_PASSWORD_FILE.")
  java.nio.file.Path passwordFile;

  @Option(
      names = "--defaults-file",
      paramLabel = "FILE",
      description =
          "A MySQL option file whose [client] section gives user, password, host and port when"
              + " the command line does not (default: ~/.my.cnf when it exists).")
  java.nio.file.Path defaultsFile;

  @Option(
      names = "--ssl-mode",
      paramLabel = "MODE",
      completionCandidates = SslModes.class,
      description =
          "Server encryption (MySQL, PostgreSQL): ${COMPLETION-CANDIDATES}. auto (the default) is preferred, and off"
              + " on the loopback interface; verify_ca and verify_identity check certificates"
              + " against the JVM's trust store. Default: $EXPMGR_SSL_MODE.")
  SslMode sslMode;

  /** The first line of a password file, without its line end. */
  static String readPasswordFile(java.nio.file.Path file) {
    try (var lines = java.nio.file.Files.lines(file, java.nio.charset.StandardCharsets.UTF_8)) {
      return lines.findFirst().orElse("");
    } catch (java.nio.file.NoSuchFileException e) {
      throw new io.expmgr.NotFoundException("--password-file " + file + " does not exist");
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw new InvalidInputException(
          "cannot read --password-file " + file + ": " + e.getMessage());
    }
  }

  /** The option file to read: --defaults-file, else ~/.my.cnf when it exists, else null. */
  private java.nio.file.Path optionFile() {
    if (defaultsFile != null) {
      return defaultsFile;
    }
    String fromEnv =
        first(Environment.get(Environment.DEFAULTS_FILE), config().get("defaults-file"));
    if (fromEnv != null) {
      return java.nio.file.Path.of(fromEnv);
    }
    java.nio.file.Path mine = java.nio.file.Path.of(System.getProperty("user.home"), ".my.cnf");
    return java.nio.file.Files.isRegularFile(mine) ? mine : null;
  }

  /**
   * The [client] section of the MySQL option file, as the MySQL clients read it: {@code key=value}
   * lines, {@code #} and {@code ;} comments, values optionally quoted.
   */
  private java.util.Map<String, String> clientSection() {
    java.nio.file.Path file = optionFile();
    java.util.Map<String, String> out = new java.util.HashMap<>();
    if (file == null) {
      return out;
    }
    java.util.List<String> lines;
    try {
      lines = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new io.expmgr.NotFoundException("--defaults-file " + file + " does not exist");
    } catch (java.io.IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage());
    }
    boolean inClient = false;
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[")) {
        inClient = line.equalsIgnoreCase("[client]");
        continue;
      }
      if (!inClient) {
        continue;
      }
      int eq = line.indexOf('=');
      String key =
          (eq < 0 ? line : line.substring(0, eq)).strip().toLowerCase(java.util.Locale.ROOT);
      String value = eq < 0 ? "" : line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.startsWith("\"") && value.endsWith("\"")
              || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      out.put(key.replace('-', '_'), value);
    }
    return out;
  }

  /** Whether the user named a database at all (here, in the environment or the config file). */
  public boolean isGiven() {
    return database != null
        || Environment.get(Environment.DATABASE) != null
        || config().get("database") != null;
  }

  private ConfigFile config;

  private ConfigFile config() {
    if (config == null) {
      config = ConfigFile.load(configFile);
    }
    return config;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /**
   * The connection these options describe.
   *
   * @throws InvalidInputException naming the option at fault
   */
  public ConnectionConfig toConfig() {
    if (sqlite && mysql) {
      throw new InvalidInputException("--sqlite and --mysql exclude each other: pick one");
    }
    ConfigFile file = config();
    String db = first(database, Environment.get(Environment.DATABASE), file.get("database"));
    if (db == null) {
      throw new picocli.CommandLine.ParameterException(
          mixee.commandLine(),
          "--database is required: a SQLite file path, a MySQL database name with --mysql, or a"
              + " URL (sqlite:PATH, mysql://user@host/db, postgresql://user@host/db);"
              + " $EXPMGR_DATABASE and database= in the config file give a default");
    }
    if (DatabaseUrl.isUrl(db)) {
      return fromUrl(db);
    }
    String engine =
        sqlite
            ? "sqlite"
            : mysql ? "mysql" : first(Environment.get(Environment.ENGINE), file.get("engine"));
    Engine chosen;
    try {
      chosen = engine == null ? null : Engine.forLabel(engine);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(
          e.getMessage() + " ($" + Environment.ENGINE + " or engine= in " + file.describe() + ")");
    }
    if (chosen == null || chosen.isFileDatabase()) {
      for (String[] o :
          new String[][] {
            {"--host", host},
            {"--port", port == null ? null : ""},
            {"--user", user},
            {"--ssl-mode", sslMode == null ? null : ""},
            {"--password-file", passwordFile == null ? null : ""},
          }) {
        if (o[1] != null) {
          throw new InvalidInputException(
              o[0]
                  + " is for server databases: add --mysql, or give a mysql:// or postgresql://"
                  + " URL (or drop "
                  + o[0]
                  + " for SQLite)");
        }
      }
      return ConnectionConfig.sqlite(java.nio.file.Path.of(db));
    }
    java.util.Map<String, String> client = clientSection();
    Integer p = port;
    String portText = p != null ? null : first(Environment.get(Environment.PORT), file.get("port"));
    String portFrom =
        Environment.get(Environment.PORT) != null ? "$" + Environment.PORT : file.describe();
    if (portText == null && p == null && client.containsKey("port")) {
      portText = client.get("port");
      portFrom = "the [client] section of " + optionFile();
    }
    if (portText != null) {
      try {
        p = Integer.parseInt(portText.strip());
      } catch (NumberFormatException e) {
        throw new InvalidInputException(
            "the port in " + portFrom + " is not a number: " + portText);
      }
    }
    String ssl = first(Environment.get(Environment.SSL_MODE), file.get("ssl-mode"));
    return new ConnectionConfig(
        chosen,
        db,
        first(host, Environment.get(Environment.HOST), file.get("host"), client.get("host")),
        p == null ? 0 : p,
        first(user, Environment.get(Environment.USER), file.get("user"), client.get("user")),
        password(client),
        sslMode != null ? sslMode : ssl == null ? SslMode.AUTO : SslMode.parse(ssl));
  }

  /** {@code -d URL}: the URL names the engine, host, port, user and database. */
  private ConnectionConfig fromUrl(String url) {
    ConnectionConfig c = DatabaseUrl.parse("--database", url, null, false);
    if (c.file() != null) {
      if (mysql || host != null || port != null || user != null || sslMode != null) {
        throw new InvalidInputException(
            "--database " + url + " is a SQLite file: drop the MySQL options");
      }
      return c;
    }
    for (String[] o :
        new String[][] {{"--host", host}, {"--port", port == null ? null : ""}, {"--user", user}}) {
      if (o[1] != null) {
        throw new InvalidInputException(
            o[0] + " and a --database URL both give it: keep one (the URL names host, port, user)");
      }
    }
    if (sqlite) {
      throw new InvalidInputException(
          "--sqlite and a server --database URL ("
              + DatabaseUrl.redact(url)
              + ") contradict each other");
    }
    if (mysql && !c.engine().label().equals("mysql")) {
      throw new InvalidInputException(
          "--mysql and a " + c.engine().label() + " --database URL contradict each other");
    }
    boolean userInUrl = DatabaseUrl.namesUser(url);
    String pw = c.password() != null ? c.password() : password(clientSection());
    String u =
        userInUrl
            ? c.user()
            : first(
                Environment.get(Environment.USER),
                config().get("user"),
                clientSection().get("user"));
    return new ConnectionConfig(
        c.engine(), c.database(), c.host(), c.port(), u, pw, sslMode != null ? sslMode : c.ssl());
  }

  /**
   * The password: --password, --password-file, $EXPMGR_PASSWORD, $EXPMGR_PASSWORD_FILE, the config
   * file's password-file or password, the option file's [client] password.
   */
  private String password(java.util.Map<String, String> client) {
    if (password != null && passwordFile != null) {
      throw new InvalidInputException("--password and --password-file exclude each other");
    }
    if (password != null) {
      return new String(password);
    }
    if (passwordFile != null) {
      return readPasswordFile(passwordFile);
    }
    if (Environment.get(PASSWORD_ENV) != null) {
      return Environment.get(PASSWORD_ENV);
    }
    String file = first(Environment.get(Environment.PASSWORD_FILE), config().get("password-file"));
    if (file != null) {
      return readPasswordFile(java.nio.file.Path.of(file));
    }
    return first(config().get("password"), client.get("password"));
  }

  /** The encryption modes as they are typed. */
  static final class SslModes extends java.util.ArrayList<String> {
    SslModes() {
      for (SslMode m : SslMode.values()) {
        add(m.name().toLowerCase(java.util.Locale.ROOT));
      }
    }
  }

  /**
   * How a command the user may copy names this database: {@code -d PATH} or {@code -d URL} (without
   * a password, which comes from the prompt or the environment), quoted for a POSIX shell.
   */
  String forCommands() {
    ConnectionConfig c = toConfig();
    String target = c.engine().isFileDatabase() ? c.sqlitePath().toString() : c.identity();
    return "-d " + shellQuote(target);
  }

  static String shellQuote(String s) {
    if (s.matches("[A-Za-z0-9_./:@%+=,-]+")) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
