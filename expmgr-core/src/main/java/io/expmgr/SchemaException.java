package io.expmgr;

/**
 * The database's tables do not match what the command needs (missing tables or columns, unknown or
 * too old schema version).
 */
public class SchemaException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  public SchemaException(String message) {
    super(message);
  }

  public SchemaException(String message, Throwable cause) {
    super(message, cause);
  }
}
