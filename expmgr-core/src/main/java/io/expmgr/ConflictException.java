package io.expmgr;

/**
 * The work was refused because it would repeat or collide with work already done: an export that
 * was already imported, an id that is taken, a run that holds the lock. Nothing was changed.
 */
public class ConflictException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public ConflictException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
