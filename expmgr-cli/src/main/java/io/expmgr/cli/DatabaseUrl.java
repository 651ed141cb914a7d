package io.expmgr.cli;

import io.expmgr.InvalidInputException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.SslMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A database as one string, the same for {@code -d} and {@code --to}: {@code sqlite:PATH} or {@code
 * mysql://user[:password]@host[:port]/db[?ssl-mode=MODE]}.
 */
final class DatabaseUrl {
  private DatabaseUrl() {}

  /** Whether {@code value} is written as a URL rather than a plain path or name. */
  static boolean isUrl(String value) {
    return value.startsWith("sqlite:") || value.startsWith("mysql://");
  }

  /**
   * Parses a database URL.
   *
   * @param option the option it came from, for messages
   * @param password the password when the URL has none (may be null)
   * @param plainPath whether a value that is not a URL is a SQLite path
   */
  static ConnectionConfig parse(String option, String url, String password, boolean plainPath) {
    if (url.startsWith("sqlite:")) {
      String path = url.substring("sqlite:".length());
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
      if (path.isBlank()) {
        throw new InvalidInputException(
            option + " sqlite: needs a file path, as in sqlite:/data/x.db");
      }
      return ConnectionConfig.sqlite(Path.of(path));
    }
    if (!url.startsWith("mysql://")) {
      if (plainPath && !url.contains("://")) {
        return ConnectionConfig.sqlite(Path.of(url));
      }
      throw new InvalidInputException(
          option
              + " must be sqlite:/path/file.db or mysql://user@host:3306/db, not '"
              + redact(url)
              + "'");
    }
    try {
      URI u = new URI(url);
      String db = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
      if (u.getHost() == null || db.isEmpty()) {
        throw new InvalidInputException(
            option + " " + redact(url) + " needs a host and a database: mysql://user@host:3306/db");
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
      return ConnectionConfig.mysql(u.getHost(), u.getPort() < 0 ? 0 : u.getPort(), db, user, pw)
          .withSsl(ssl);
    } catch (URISyntaxException e) {
      throw new InvalidInputException(
          option + " " + redact(url) + " is not a valid URL: " + e.getReason());
    }
  }

  static String redact(String url) {
    return url.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }
}
