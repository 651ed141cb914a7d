package io.expmgr.db;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Locale;

/** What a failure to reach a server says in one line, whatever the engine, from its causes. */
public final class ConnectFailures {
  private ConnectFailures() {}

  /**
   * The network's reason a connection to {@code where} failed (host unknown, port closed, TLS
   * refused, no answer, closed without an answer), or the driver's first line when it is none of
   * these.
   */
  public static String network(ConnectionConfig config, String where, SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "unknown host '" + config.host() + "' (check --host)";
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "cannot connect to "
            + where
            + ": connection refused (is the server running? check --host and --port)";
      }
      if (t instanceof java.security.cert.CertificateException
          || t instanceof javax.net.ssl.SSLHandshakeException) {
        return "TLS with "
            + where
            + " failed: the server's certificate is not trusted under --ssl-mode "
            + config.ssl().name().toLowerCase(Locale.ROOT)
            + " (add its CA to the JVM's trust store, or use --ssl-mode required)";
      }
      if (t instanceof java.io.EOFException
          || (t instanceof java.net.SocketException
              && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("reset"))) {
        return where
            + " closed the connection without answering: is that server running there? (check"
            + " --host and --port; a firewall or proxy may be in the way)";
      }
      if (t instanceof SocketTimeoutException) {
        return "no answer from "
            + where
            + " within "
            + Database.CONNECT_TIMEOUT_SECONDS
            + " s (check --host and --port, or a firewall)";
      }
    }
    String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return "cannot connect to " + where + ": " + first;
  }
}
