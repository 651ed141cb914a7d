package io.expmgr;

/**
 * The database could not be opened or reached: missing file, not SQLite, host down, wrong
 * credentials, unknown database.
 */
public class ConnectionException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public ConnectionException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public ConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
