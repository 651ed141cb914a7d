package io.expmgr;

/** Something the user named (an experiment id, a snapshot id, a file) does not exist. */
public class NotFoundException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public NotFoundException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
