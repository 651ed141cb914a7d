package io.expmgr.manager;

import java.nio.file.Path;

/**
 * What a changing operation does first about a safety snapshot: take one (the default, as every
 * command does unless told {@code --no-snapshot}) into {@code directory}, or not.
 *
 * @param snapshot take a safety snapshot before changing anything
 * @param directory where it goes; null for the database's default folder
 */
public record Safety(boolean snapshot, Path directory) {
  /** A safety snapshot into the default folder. */
  public static Safety defaults() {
    return new Safety(true, null);
  }

  /** No safety snapshot: the caller has one. */
  public static Safety none() {
    return new Safety(false, null);
  }
}
