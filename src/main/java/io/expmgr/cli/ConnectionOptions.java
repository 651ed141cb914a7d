package io.expmgr.cli;

import io.expmgr.InvalidInputException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Engine;
import io.expmgr.db.SslMode;
import picocli.CommandLine.Option;

/** The connection options every command shares (the FAQ's). */
public final class ConnectionOptions {
  /** Read when {@code --password} is not given. */
  public static final String PASSWORD_ENV = "EXPMGR_PASSWORD";

  @Option(
      names = {"-d", "--database"},
      required = true,
      paramLabel = "NAME_OR_PATH",
      description = "SQLite file path, or MySQL database name with --mysql.")
  String database;

  @Option(names = "--sqlite", description = "The database is a SQLite file (default).")
  boolean sqlite;

  @Option(names = "--mysql", description = "The database is on a MySQL or MariaDB server.")
  boolean mysql;

  @Option(names = "--host", description = "MySQL host (default: localhost).")
  String host;

  @Option(names = "--port", description = "MySQL port (default: 3306).")
  Integer port;

  @Option(names = "--user", description = "MySQL user (default: your login name).")
  String user;

  @Option(
      names = "--password",
      arity = "0..1",
      interactive = true,
      prompt = "MySQL password: ",
      description =
          "MySQL password. Without a value: asks for it without echo. Default: $"
              + PASSWORD_ENV
              + ".")
  char[] password;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description =
          "Read the MySQL password from the first line of FILE (keeps it out of ps and the shell"
              + " history).")
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
      description =
          "MySQL encryption: auto (default: preferred, off on the loopback interface), disabled,"
              + " preferred, required, verify_ca, verify_identity (certificates checked against"
              + " the JVM's trust store).")
  String sslMode;

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

  /** Whether the user named a database at all. */
  public boolean isGiven() {
    return database != null;
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
    if (database == null) {
      throw new InvalidInputException(
          "--database is required: a SQLite file path, or a MySQL database name with --mysql");
    }
    if (!mysql) {
      for (String[] o :
          new String[][] {
            {"--host", host},
            {"--port", port == null ? null : ""},
            {"--user", user},
            {"--ssl-mode", sslMode},
            {"--password-file", passwordFile == null ? null : ""},
          }) {
        if (o[1] != null) {
          throw new InvalidInputException(
              o[0] + " is for MySQL databases: add --mysql (or drop " + o[0] + " for SQLite)");
        }
      }
      return ConnectionConfig.sqlite(java.nio.file.Path.of(database));
    }
    if (password != null && passwordFile != null) {
      throw new InvalidInputException("--password and --password-file exclude each other");
    }
    java.util.Map<String, String> client = clientSection();
    String pw;
    if (password != null) {
      pw = new String(password);
    } else if (passwordFile != null) {
      pw = readPasswordFile(passwordFile);
    } else if (System.getenv(PASSWORD_ENV) != null) {
      pw = System.getenv(PASSWORD_ENV);
    } else {
      pw = client.get("password");
    }
    Integer p = port;
    if (p == null && client.containsKey("port")) {
      try {
        p = Integer.parseInt(client.get("port"));
      } catch (NumberFormatException e) {
        throw new InvalidInputException(
            "the [client] port in " + optionFile() + " is not a number: " + client.get("port"));
      }
    }
    return new ConnectionConfig(
        Engine.MYSQL,
        database,
        host != null ? host : client.get("host"),
        p == null ? 0 : p,
        user != null ? user : client.get("user"),
        pw,
        sslMode == null ? SslMode.AUTO : SslMode.parse(sslMode));
  }
}
