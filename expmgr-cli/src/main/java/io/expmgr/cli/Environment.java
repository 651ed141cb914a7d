package io.expmgr.cli;

import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The environment variables the command line reads, in one place: the connection ({@code
 * EXPMGR_DATABASE}, {@code EXPMGR_ENGINE}, {@code EXPMGR_HOST}, {@code EXPMGR_PORT}, {@code
 * EXPMGR_USER}, {@code EXPMGR_PASSWORD}, {@code EXPMGR_PASSWORD_FILE}, {@code EXPMGR_SSL_MODE},
 * {@code EXPMGR_DEFAULTS_FILE}) and the config file ({@code EXPMGR_CONFIG}).
 */
final class Environment {
  static final String DATABASE = "EXPMGR_DATABASE";
  static final String ENGINE = "EXPMGR_ENGINE";
  static final String HOST = "EXPMGR_HOST";
  static final String PORT = "EXPMGR_PORT";
  static final String USER = "EXPMGR_USER";
  static final String PASSWORD = "EXPMGR_PASSWORD";
  static final String PASSWORD_FILE = "EXPMGR_PASSWORD_FILE";
  static final String SSL_MODE = "EXPMGR_SSL_MODE";
  static final String DEFAULTS_FILE = "EXPMGR_DEFAULTS_FILE";
  static final String CONFIG = "EXPMGR_CONFIG";

  private static volatile UnaryOperator<String> lookup = System::getenv;

  private Environment() {}

  /** The variable's value, null when unset or empty. */
  static String get(String name) {
    String v = lookup.apply(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /**
   * Runs {@code work} as if the environment were {@code vars} (for tests in one JVM: the real
   * environment cannot be changed there).
   */
  static <T> T with(Map<String, String> vars, java.util.function.Supplier<T> work) {
    UnaryOperator<String> before = lookup;
    lookup = vars::get;
    try {
      return work.get();
    } finally {
      lookup = before;
    }
  }
}
