package io.expmgr;

/** An option, file or document the user gave is malformed or out of range; nothing was changed. */
public class InvalidInputException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public InvalidInputException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
