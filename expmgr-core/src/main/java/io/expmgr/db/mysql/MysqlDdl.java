package io.expmgr.db.mysql;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MySQL table's {@code SHOW CREATE TABLE} text taken apart, to make the same table again under
 * another name in three steps: the table with its columns and primary key (loaded while it has
 * nothing else to maintain), then its other keys, then its foreign keys. The server writes one
 * definition per line, so the parts are lines; made again in their order, the table's {@code SHOW
 * CREATE TABLE} is the same as before.
 *
 * @param columns the column and primary-key lines, and check constraints
 * @param keys the other index lines ({@code KEY}, {@code UNIQUE KEY}, {@code FULLTEXT KEY} ...)
 * @param foreignKeys the {@code CONSTRAINT ... FOREIGN KEY} lines
 * @param options what follows the closing parenthesis ({@code ENGINE=InnoDB ...})
 */
record MysqlDdl(
    List<String> columns, List<String> keys, List<ForeignKeyLine> foreignKeys, String options) {

  /** A foreign key as the server writes it. */
  public record ForeignKeyLine(String name, String definition, String parent) {
    /** The line with another constraint name and parent table. */
    String with(String newName, String newParent) {
      return "CONSTRAINT "
          + MySqlDialect.INSTANCE.quote(newName)
          + " "
          + definition.replaceFirst(
              "REFERENCES `(?:[^`]|``)+`", "REFERENCES " + MySqlDialect.INSTANCE.quote(newParent));
    }
  }

  private static final Pattern FOREIGN_KEY =
      Pattern.compile("CONSTRAINT `((?:[^`]|``)+)` (FOREIGN KEY .* REFERENCES `((?:[^`]|``)+)`.*)");

  /** Takes a table's DDL apart. */
  public static MysqlDdl parse(String ddl) {
    List<String> lines = ddl.lines().toList();
    if (lines.size() < 2 || !lines.get(0).startsWith("CREATE TABLE ")) {
      throw new IllegalArgumentException("not a SHOW CREATE TABLE text: " + ddl);
    }
    List<String> columns = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<ForeignKeyLine> fks = new ArrayList<>();
    String options = "";
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith(")")) {
        options = String.join("\n", lines.subList(i, lines.size())).substring(1).trim();
        break;
      }
      String def = line.trim();
      if (def.endsWith(",")) {
        def = def.substring(0, def.length() - 1);
      }
      Matcher fk = FOREIGN_KEY.matcher(def);
      if (fk.matches()) {
        fks.add(
            new ForeignKeyLine(
                fk.group(1).replace("``", "`"), fk.group(2), fk.group(3).replace("``", "`")));
      } else if (def.startsWith("KEY ")
          || def.startsWith("UNIQUE KEY ")
          || def.startsWith("FULLTEXT KEY ")
          || def.startsWith("SPATIAL KEY ")
          || def.startsWith("INDEX ")) {
        keys.add(def);
      } else {
        columns.add(def);
      }
    }
    return new MysqlDdl(columns, keys, fks, options);
  }

  /** CREATE TABLE of the columns and primary key under another name. */
  public String createTable(String name) {
    return "CREATE TABLE "
        + MySqlDialect.INSTANCE.quote(name)
        + " (\n  "
        + String.join(",\n  ", columns)
        + "\n) "
        + options;
  }

  /** The statement that adds the other keys, or null when there are none. */
  public String addKeys(String name) {
    if (keys.isEmpty()) {
      return null;
    }
    return "ALTER TABLE "
        + MySqlDialect.INSTANCE.quote(name)
        + " "
        + String.join(", ", keys.stream().map(k -> "ADD " + k).toList());
  }

  /**
   * The name a foreign key of {@code table} takes on the table named {@code name}: InnoDB renames
   * the names it made ({@code <table>_ibfk_<n>}) when the table is renamed, so such a name is given
   * in the shadow's form and becomes the original again at the switch. Other names are unique per
   * database, so the shadow's key gets a temporary name, put back after the switch.
   */
  public static String shadowName(ForeignKeyLine fk, String table, String shadow) {
    String auto = table + "_ibfk_";
    if (fk.name().startsWith(auto) && fk.name().substring(auto.length()).matches("[0-9]+")) {
      return shadow + "_ibfk_" + fk.name().substring(auto.length());
    }
    String tmp = "x" + Integer.toHexString((table + "." + fk.name()).hashCode()) + "_expmgr";
    return tmp;
  }
}
