package io.expmgr.internal;

import java.nio.file.Path;

/** Where expmgr keeps its own files: logs, snapshots, state. */
public final class ExpmgrHome {
  /**
   * Overrides the home folder (the system property {@code expmgr.home} overrides both); set it for
   * tests and for several installations side by side.
   */
  public static final String HOME_ENV = "EXPMGR_HOME";

  private ExpmgrHome() {}

  /** {@code $EXPMGR_HOME}, or {@code ~/.experiment_manager}. */
  public static Path path() {
    String prop = System.getProperty("expmgr.home");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath();
    }
    String env = System.getenv(HOME_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath();
    }
    return Path.of(System.getProperty("user.home"), ".experiment_manager");
  }
}
