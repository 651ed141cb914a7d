package io.expmgr;

/** A snapshot could not be written, read or trusted (damaged, incomplete, foreign). */
public class SnapshotException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  public SnapshotException(String message) {
    super(message);
  }

  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
