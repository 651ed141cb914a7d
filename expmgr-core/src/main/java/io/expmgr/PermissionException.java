package io.expmgr;

/**
 * The work needs a right this user does not have: a folder it may not write, a grant the database
 * account lacks. The message names the right. Nothing was changed.
 */
public class PermissionException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  /** A failure described by one line the user reads. */
  public PermissionException(String message) {
    super(message);
  }

  /** A failure described by one line the user reads, caused by {@code cause}. */
  public PermissionException(String message, Throwable cause) {
    super(message, cause);
  }
}
