package io.expmgr.db;

import io.expmgr.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A database as one string, the same for {@code -d} and {@code --to}: {@code sqlite:PATH} for a
 * file engine, or {@code SCHEME://user[:password]@host[:port]/db[?ssl-mode=MODE]} for a server
 * engine, the scheme naming the engine ({@link Engine#forUrlScheme}: {@code mysql://}, ...).
 */
public final class DatabaseUrl {
  private DatabaseUrl() {}

  /** Whether {@code value} is written as a URL rather than a plain path or name. */
  public static boolean isUrl(String value) {
    return schemeOf(value) != null;
  }

  /** The engine a URL names, or null when the value is not a URL of a known engine. */
  private static Engine schemeOf(String value) {
    int colon = value.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    Engine e = Engine.forUrlScheme(value.substring(0, colon));
    if (e == null) {
      return null;
    }
    boolean server = !e.dialect().isFileDatabase();
    return server == value.startsWith("://", colon) ? e : null;
  }

  /** Whether the URL itself names the user ({@code scheme://user@host/...}). */
  public static boolean namesUser(String url) {
    int at = url.indexOf("://");
    return at > 0 && url.substring(at + 3).split("/", 2)[0].contains("@");
  }

  /**
   * Parses a database URL.
   *
   * @param option the option it came from, for messages
   * @param password the password when the URL has none (may be null)
   * @param plainPath whether a value that is not a URL is a SQLite path
   */
  public static ConnectionConfig parse(
      String option, String url, String password, boolean plainPath) {
    Engine engine = schemeOf(url);
    if (engine != null && engine.dialect().isFileDatabase()) {
      String path = url.substring(url.indexOf(':') + 1);
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
      if (path.isBlank()) {
        throw new InvalidInputException(
            option
                + " "
                + engine.dialect().urlScheme()
                + ": needs a file path, as in sqlite:/data/x.db");
      }
      return new ConnectionConfig(engine, Path.of(path).toString(), null, 0, null, null);
    }
    if (engine == null) {
      if (plainPath && !url.contains("://")) {
        return ConnectionConfig.sqlite(Path.of(url));
      }
      throw new InvalidInputException(
          option
              + " must be sqlite:/path/file.db or SCHEME://user@host:port/db with SCHEME one of "
              + Engine.serverSchemes()
              + ", not '"
              + redact(url)
              + "'");
    }
    try {
      URI u = new URI(url);
      String db = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
      if (u.getHost() == null || db.isEmpty()) {
        throw new InvalidInputException(
            option
                + " "
                + redact(url)
                + " needs a host and a database: "
                + engine.dialect().urlScheme()
                + "://user@host:"
                + engine.dialect().defaultPort()
                + "/db");
      }
      String user = null;
      String pw = password;
      if (u.getRawUserInfo() != null) {
        String[] parts = u.getRawUserInfo().split(":", 2);
        user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        if (parts.length == 2) {
          pw = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        }
      }
      SslMode ssl = SslMode.AUTO;
      if (u.getRawQuery() != null) {
        for (String param : u.getRawQuery().split("&")) {
          String[] kv = param.split("=", 2);
          if (kv.length == 2 && kv[0].equals("ssl-mode")) {
            ssl = SslMode.parse(URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
          } else {
            throw new InvalidInputException(
                option
                    + " "
                    + redact(url)
                    + ": unknown parameter '"
                    + kv[0]
                    + "' (known: ssl-mode)");
          }
        }
      }
      return new ConnectionConfig(
          engine, db, u.getHost(), u.getPort() < 0 ? 0 : u.getPort(), user, pw, ssl);
    } catch (URISyntaxException e) {
      throw new InvalidInputException(
          option + " " + redact(url) + " is not a valid URL: " + e.getReason());
    }
  }

  /** The URL with its password replaced by {@code ***}. */
  public static String redact(String url) {
    return url.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }
}
