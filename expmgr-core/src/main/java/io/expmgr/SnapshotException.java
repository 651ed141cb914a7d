package io.expmgr;

/** A snapshot could not be written, read or trusted (damaged, incomplete, foreign). */
public class SnapshotException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public SnapshotException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
