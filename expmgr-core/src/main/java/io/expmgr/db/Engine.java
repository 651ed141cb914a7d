package io.expmgr.db;

import io.expmgr.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The registry of database engines expmgr speaks to, each with its {@link Dialect}. MariaDB is
 * reached through {@link #MYSQL}. Code outside {@code db/} names an engine only by its label (what
 * a user typed, what a manifest recorded) and asks its dialect what differs.
 */
public enum Engine {
  SQLITE("sqlite", "sqlite"),
  MYSQL("mysql", "mysql", "mariadb"),
  POSTGRES("postgres", "postgresql");

  private final String label;
  private final String[] productNames;

  Engine(String label, String... productNames) {
    this.label = label;
    this.productNames = productNames;
  }

  public String label() {
    return label;
  }

  /** Whether a database of this engine is a file (no host, port or account). */
  public boolean isFileDatabase() {
    return dialect().isFileDatabase();
  }

  /**
   * The engine's dialect, found among the {@link Dialect.Provider}s on the class path (each
   * engine's package registers one in {@code META-INF/services}).
   */
  public Dialect dialect() {
    Dialect d = Providers.DIALECTS.get(this);
    if (d == null) {
      throw new IllegalStateException(
          "no dialect for " + label + " on the class path (META-INF/services is missing)");
    }
    return d;
  }

  /** The providers, loaded once on first use. */
  private static final class Providers {
    static final java.util.Map<Engine, Dialect> DIALECTS = load();

    private static java.util.Map<Engine, Dialect> load() {
      java.util.Map<Engine, Dialect> found = new java.util.EnumMap<>(Engine.class);
      for (Dialect.Provider p :
          java.util.ServiceLoader.load(Dialect.Provider.class, Engine.class.getClassLoader())) {
        Dialect d = p.dialect();
        found.put(d.engine(), d);
      }
      return found;
    }
  }

  /** The engine of a label ({@code sqlite}, {@code mysql}), case-insensitive. */
  public static Engine forLabel(String label) {
    for (Engine e : values()) {
      if (e.label.equalsIgnoreCase(label == null ? "" : label.trim())) {
        return e;
      }
    }
    throw new InvalidInputException(
        "unknown database engine '"
            + label
            + "': expected one of "
            + Arrays.stream(values()).map(Engine::label).collect(Collectors.joining(", ")));
  }

  /**
   * The engine whose URLs start with {@code scheme} ({@link Dialect#urlScheme} or one of its {@link
   * Dialect#urlSchemeAliases}), case-insensitive; null when none does.
   */
  public static Engine forUrlScheme(String scheme) {
    for (Engine e : values()) {
      Dialect d = e.dialect();
      if (d.urlScheme().equalsIgnoreCase(scheme)
          || d.urlSchemeAliases().stream().anyMatch(a -> a.equalsIgnoreCase(scheme))) {
        return e;
      }
    }
    return null;
  }

  /** The URL schemes of the server engines, for messages: {@code mysql://, ...}. */
  public static String serverSchemes() {
    return Arrays.stream(values())
        .filter(e -> !e.dialect().isFileDatabase())
        .map(e -> e.dialect().urlScheme() + "://")
        .collect(Collectors.joining(", "));
  }

  /**
   * The engine that wrote a file recording its label, where files of the first expmgr versions
   * recorded one only for a server: those without a label come from the file engine.
   */
  public static Engine ofRecorded(String label) {
    return label == null || label.isBlank() ? SQLITE : forLabel(label);
  }

  /** The engine behind a JDBC connection, from its product name. */
  public static Engine forProductName(String jdbcProductName) {
    String p = jdbcProductName.toLowerCase(Locale.ROOT);
    for (Engine e : values()) {
      for (String name : e.productNames) {
        if (p.contains(name)) {
          return e;
        }
      }
    }
    throw new IllegalStateException("expmgr does not speak to " + jdbcProductName);
  }
}
