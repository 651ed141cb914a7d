package io.expmgr.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The experiment tracker's own DDL ({@code tracker-mysql.sql}), table by table in the order it
 * creates them: the MySQL text as the tracker declares it, and the SQLite text derived from it the
 * way the tracker derives it (AUTOINCREMENT ids, TEXT times and JSON). Databases made with it look
 * like users' databases: no secondary index, single-precision {@code total_val} and times without
 * fractions on MySQL, ISO text times on SQLite.
 */
public final class TrackerDdl {
  private TrackerDdl() {}

  private static final List<String> MYSQL = load();

  private static List<String> load() {
    try (InputStream in = TrackerDdl.class.getResourceAsStream("tracker-mysql.sql")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String part : text.split("\n;\n")) {
        String statement =
            part.lines().filter(l -> !l.startsWith("--")).reduce((a, b) -> a + "\n" + b).orElse("");
        if (!statement.isBlank()) {
          out.add(statement);
        }
      }
      return List.copyOf(out);
    } catch (IOException | NullPointerException e) {
      throw new UncheckedIOException(new IOException("tracker-mysql.sql is missing", e));
    }
  }

  /** The table a statement creates. */
  static String tableOf(String statement) {
    String rest = statement.trim().substring("CREATE TABLE IF NOT EXISTS ".length());
    return rest.substring(0, rest.indexOf(' ')).toUpperCase(Locale.ROOT);
  }

  /**
   * The CREATE TABLE statements, in the tracker's order.
   *
   * @param batches whether to include the batch level (the tracker's latest version)
   */
  public static List<String> statements(Engine engine, boolean batches) {
    return MYSQL.stream()
        .filter(s -> batches || !Schema.isOptional(tableOf(s)))
        .map(s -> engine == Engine.MYSQL ? s : sqlite(s))
        .toList();
  }

  /** The statements that make these tables, in the tracker's order. */
  public static List<String> statementsFor(Engine engine, java.util.Collection<String> tables) {
    java.util.Set<String> wanted = new java.util.HashSet<>();
    tables.forEach(t -> wanted.add(t.toUpperCase(Locale.ROOT)));
    return MYSQL.stream()
        .filter(s -> wanted.contains(tableOf(s)))
        .map(s -> engine == Engine.MYSQL ? s : sqlite(s))
        .toList();
  }

  /** The tracker's own translation of its MySQL DDL to SQLite. */
  private static String sqlite(String mysql) {
    return mysql
        .replace("INT PRIMARY KEY AUTO_INCREMENT", "INTEGER PRIMARY KEY AUTOINCREMENT")
        .replace("DATETIME", "TEXT")
        .replace("`desc`", "desc")
        .replace("JSON", "TEXT");
  }
}
