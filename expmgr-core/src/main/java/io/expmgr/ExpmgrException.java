package io.expmgr;

/**
 * The root of every failure expmgr reports. Unchecked: callers that want to handle a kind of
 * failure catch the child they care about; everything else reaches the CLI, which prints the
 * message on one line and exits with the code of the kind.
 *
 * <p>Messages are written for the person at the terminal: they name the table, id, file or option
 * at fault, and never contain a password.
 */
public class ExpmgrException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public ExpmgrException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public ExpmgrException(String message, Throwable cause) {
    super(message, cause);
  }
}
