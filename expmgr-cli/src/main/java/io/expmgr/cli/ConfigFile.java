package io.expmgr.cli;

import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.internal.ExpmgrHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * expmgr's config file: {@code key = value} lines (the connection options by their long names
 * without dashes: {@code database}, {@code engine}, {@code host}, {@code port}, {@code user},
 * {@code password-file}, {@code ssl-mode}, {@code defaults-file}; also {@code password} in a file
 * only its owner can read), {@code #} and {@code ;} comments. Read from {@code --config FILE}, else
 * {@code $EXPMGR_CONFIG}, else {@code $EXPMGR_HOME/config} when it exists. An unknown key is an
 * error, so a typo does not silently connect elsewhere.
 */
final class ConfigFile {
  static final List<String> KEYS =
      List.of(
          "database",
          "engine",
          "host",
          "port",
          "user",
          "password",
          "password-file",
          "ssl-mode",
          "defaults-file");

  private final Path file;
  private final Map<String, String> values;

  private ConfigFile(Path file, Map<String, String> values) {
    this.file = file;
    this.values = values;
  }

  /** The default location: {@code $EXPMGR_HOME/config}. */
  static Path defaultPath() {
    return ExpmgrHome.path().resolve("config");
  }

  /**
   * Reads the config file in force.
   *
   * @param given {@code --config FILE}, or null
   */
  static ConfigFile load(Path given) {
    Path file = given;
    boolean required = true;
    if (file == null && Environment.get(Environment.CONFIG) != null) {
      file = Path.of(Environment.get(Environment.CONFIG));
    }
    if (file == null) {
      file = defaultPath();
      required = false;
    }
    if (!required && !Files.isRegularFile(file)) {
      return new ConfigFile(null, Map.of());
    }
    List<String> lines;
    try {
      if (Files.isDirectory(file)) {
        throw new InvalidInputException("config file " + file + " is a folder, not a file");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NotFoundException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new InvalidInputException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    int n = 0;
    for (String raw : lines) {
      n++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new InvalidInputException(
            "config file " + file + " line " + n + ": expected key = value, got '" + line + "'");
      }
      String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT).replace('_', '-');
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.startsWith("\"") && value.endsWith("\"")
              || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      if (!KEYS.contains(key)) {
        throw new InvalidInputException(
            "config file "
                + file
                + " line "
                + n
                + ": unknown key '"
                + key
                + "' (known: "
                + String.join(", ", KEYS)
                + ")");
      }
      values.put(key, value);
    }
    ConfigFile config = new ConfigFile(file, values);
    if (values.containsKey("password") && readableByOthers(file)) {
      throw new InvalidInputException(
          "config file "
              + file
              + " holds a password and others can read it: chmod 600 "
              + file
              + " (or use password-file)");
    }
    return config;
  }

  private static boolean readableByOthers(Path file) {
    try {
      var perms = Files.getPosixFilePermissions(file);
      return perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
          || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** A key's value, or null. */
  String get(String key) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? null : v;
  }

  /** Where a value came from, for messages. */
  String describe() {
    return file == null ? "no config file" : "config file " + file;
  }
}
