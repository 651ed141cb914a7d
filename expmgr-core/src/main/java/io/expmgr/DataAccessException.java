package io.expmgr;

/**
 * A SQL statement failed unexpectedly; carries the statement (never bound passwords) and the
 * SQLException as cause.
 */
public class DataAccessException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public DataAccessException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public DataAccessException(String message, Throwable cause) {
    super(message, cause);
  }
}
