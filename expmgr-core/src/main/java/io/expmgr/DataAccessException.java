package io.expmgr;

/**
 * A SQL statement failed unexpectedly; carries the statement (never bound passwords) and the
 * SQLException as cause.
 */
public class DataAccessException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  public DataAccessException(String message) {
    super(message);
  }

  public DataAccessException(String message, Throwable cause) {
    super(message, cause);
  }
}
