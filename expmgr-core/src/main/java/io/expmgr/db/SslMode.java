package io.expmgr.db;

import io.expmgr.InvalidInputException;
import java.util.Locale;

/**
 * Whether a MySQL connection is encrypted, with the MySQL client's names for the modes.
 *
 * <p>{@link #AUTO}, the default, encrypts when the server offers it ({@link #PREFERRED}) except on
 * the loopback interface, whose traffic never leaves the machine: there encryption protects nothing
 * that the operating system does not already protect (without certificate checks it does not even
 * prove who the server is), and it would cost a third of a snapshot's time.
 */
public enum SslMode {
  AUTO,
  DISABLED,
  PREFERRED,
  REQUIRED,
  VERIFY_CA,
  VERIFY_IDENTITY;

  /** The mode named by a user, in any case, with {@code -} or {@code _}. */
  public static SslMode parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "--ssl-mode must be one of auto, disabled, preferred, required, verify_ca,"
              + " verify_identity; got '"
              + name
              + "'");
    }
  }

  /** The value of Connector/J's {@code sslMode} for a connection to {@code host}. */
  public String driverValue(String host) {
    if (this != AUTO) {
      return name();
    }
    return isLoopback(host) ? DISABLED.name() : PREFERRED.name();
  }

  /** Loopback by its literal name or address only: no name lookup. */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost")
        || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }
}
