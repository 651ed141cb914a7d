package io.expmgr;

/**
 * The database fails the engine's own integrity check: expmgr refuses to snapshot it or write into
 * it, since a copy would carry the damage as if it were sound and a write could spread it. Nothing
 * was changed.
 */
public class DamagedDatabaseException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public DamagedDatabaseException(String message) {
    super(message);
  }
}
