package io.expmgr;

/**
 * The database's tables do not match what the command needs (missing tables or columns, unknown or
 * too old schema version).
 */
public class SchemaException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public SchemaException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public SchemaException(String message, Throwable cause) {
    super(message, cause);
  }
}
