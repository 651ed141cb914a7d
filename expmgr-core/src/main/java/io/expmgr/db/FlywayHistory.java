package io.expmgr.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * Flyway's history table, which records the schema versions applied to a database. A restore into
 * another engine cannot make it from the snapshot's column types as it makes other tables the model
 * does not describe: Flyway reads {@code success} as a boolean (PostgreSQL writes {@code t} and
 * {@code f}, the others 1 and 0) and its inserts leave {@code installed_on} to the column's
 * default. So a translated copy is made again as Flyway makes it in the target ({@link #create}),
 * holding the same rows; the next {@code schema upgrade} then reads and extends it as if Flyway had
 * made it there.
 */
public final class FlywayHistory {
  /** The table's name. */
  public static final String TABLE = "flyway_schema_history";

  /** Its columns, in Flyway's order. */
  public static final List<String> COLUMNS =
      List.of(
          "installed_rank",
          "version",
          "description",
          "type",
          "script",
          "checksum",
          "installed_by",
          "installed_on",
          "execution_time",
          "success");

  private FlywayHistory() {}

  /**
   * An engine's declarations where Flyway's differ between engines.
   *
   * @param integer the type of the integer columns
   * @param installedOn the whole declaration of {@code installed_on}, with the default Flyway's
   *     inserts rely on
   * @param success the boolean type of {@code success}
   */
  public record Types(String integer, String installedOn, String success) {}

  /**
   * The statements that make the table {@code name} as Flyway makes it in {@code d}'s engine: its
   * columns, key and index on {@code success}.
   */
  public static List<String> create(Dialect d, String name) {
    Types t = d.flywayHistoryTypes();
    String[] declared = {
      t.integer() + " NOT NULL",
      "VARCHAR(50)",
      "VARCHAR(200) NOT NULL",
      "VARCHAR(20) NOT NULL",
      "VARCHAR(1000) NOT NULL",
      t.integer(),
      "VARCHAR(100) NOT NULL",
      t.installedOn(),
      t.integer() + " NOT NULL",
      t.success() + " NOT NULL"
    };
    StringBuilder columns = new StringBuilder();
    for (int i = 0; i < COLUMNS.size(); i++) {
      columns.append(d.quote(COLUMNS.get(i))).append(' ').append(declared[i]).append(", ");
    }
    return List.of(
        "CREATE TABLE "
            + d.quote(name)
            + " ("
            + columns
            + "CONSTRAINT "
            + d.quote(TABLE + "_pk")
            + " PRIMARY KEY ("
            + d.quote("installed_rank")
            + "))",
        "CREATE INDEX "
            + d.quote(TABLE + "_s_idx")
            + " ON "
            + d.quote(name)
            + " ("
            + d.quote("success")
            + ")");
  }

  /** Whether a table of a snapshot or database is Flyway's history table. */
  public static boolean is(Catalog.TableInfo table) {
    return table.name().equalsIgnoreCase(TABLE)
        && table.columnNames().stream()
            .map(c -> c.toLowerCase(Locale.ROOT))
            .toList()
            .equals(COLUMNS);
  }

  /**
   * Makes table {@code name}, which holds a translated copy of the history's rows, again as Flyway
   * makes it in this engine, with the same rows: the rows move through {@code staging} (a name no
   * table has, dropped at the end). A table already made so is made again the same. Runs inside the
   * caller's transaction where the engine's DDL is transactional.
   */
  public static void remake(Connection c, Dialect d, String name, String staging)
      throws SQLException {
    // Copied aside and dropped with its indexes (an index name may be taken database-wide).
    Dialect.execute(
        c,
        "CREATE TABLE " + d.quote(staging) + " AS SELECT * FROM " + d.quote(name),
        "DROP TABLE " + d.quote(name));
    Dialect.execute(c, create(d, name).toArray(String[]::new));
    StringBuilder select = new StringBuilder();
    for (String col : COLUMNS) {
      if (select.length() > 0) {
        select.append(", ");
      }
      select.append(
          col.equals("success")
              // 1, t or true, whatever the source wrote; lower() of a number is its text.
              ? "CASE WHEN lower("
                  + d.quote(col)
                  + ") IN ('1', 't', 'true') THEN TRUE ELSE FALSE END"
              : d.quote(col));
    }
    Dialect.execute(
        c,
        "INSERT INTO "
            + d.quote(name)
            + " ("
            + Ddl.quoteAll(COLUMNS, d)
            + ") SELECT "
            + select
            + " FROM "
            + d.quote(staging),
        "DROP TABLE " + d.quote(staging));
  }
}
