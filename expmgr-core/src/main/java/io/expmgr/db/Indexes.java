package io.expmgr.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Secondary indexes as the database has them, not as expmgr would have made them: a bulk load into
 * empty tables drops the indexes that are there and builds them again afterwards from their own DDL
 * text, so a database made by another tool (with other index names, or none) keeps exactly its own.
 */
public final class Indexes {
  private Indexes() {}

  /**
   * Drops the secondary indexes (made by CREATE INDEX) of the given tables, inside the caller's
   * transaction, and returns the statements that make them again, in creation order. Only where DDL
   * is transactional (SQLite): a rollback brings them back. Elsewhere it drops nothing and returns
   * an empty list.
   */
  public static List<String> dropSecondary(Database db, Connection c, Collection<String> tables)
      throws SQLException {
    if (!db.dialect().supportsTransactionalDdl() || tables.isEmpty()) {
      return List.of();
    }
    Set<String> wanted =
        tables.stream().map(t -> t.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
    List<String[]> found = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT name, tbl_name, sql FROM sqlite_master"
                    + " WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid")) {
      while (rs.next()) {
        if (wanted.contains(rs.getString(2).toUpperCase(Locale.ROOT))) {
          found.add(new String[] {rs.getString(1), rs.getString(3)});
        }
      }
    }
    List<String> rebuild = new ArrayList<>();
    for (String[] index : found) {
      Dialect.execute(c, "DROP INDEX " + db.dialect().quote(index[0]));
      rebuild.add(index[1]);
    }
    return rebuild;
  }
}
