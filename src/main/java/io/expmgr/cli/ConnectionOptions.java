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
      names = "--ssl-mode",
      paramLabel = "MODE",
      description =
          "MySQL encryption: auto (default: preferred, off on the loopback interface), disabled,"
              + " preferred, required, verify_ca, verify_identity (certificates checked against"
              + " the JVM's trust store).")
  String sslMode;

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
          }) {
        if (o[1] != null) {
          throw new InvalidInputException(
              o[0] + " is for MySQL databases: add --mysql (or drop " + o[0] + " for SQLite)");
        }
      }
      return ConnectionConfig.sqlite(java.nio.file.Path.of(database));
    }
    String pw = password != null ? new String(password) : System.getenv(PASSWORD_ENV);
    return new ConnectionConfig(
        Engine.MYSQL,
        database,
        host,
        port == null ? 0 : port,
        user,
        pw,
        sslMode == null ? SslMode.AUTO : SslMode.parse(sslMode));
  }
}
