package io.expmgr.cli;

import io.expmgr.ExpmgrException;

/** A documented command that this version does not implement yet. */
final class NotImplementedException extends ExpmgrException {
  private static final long serialVersionUID = 1L;

  NotImplementedException(String command) {
    super("'" + command + "' is not implemented in this version of expmgr yet; nothing was done");
  }
}
