package io.expmgr;

/** Something the user named (an experiment id, a snapshot id, a file) does not exist. */
public class NotFoundException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }

  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
