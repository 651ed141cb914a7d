package io.expmgr.db;

import java.sql.Connection;
import java.sql.SQLException;
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
    if (!db.dialect().supportsTransactionalDdl()
        || !db.dialect().buildsIndexesAfterBulkLoad()
        || tables.isEmpty()) {
      return List.of();
    }
    Set<String> wanted =
        tables.stream().map(t -> t.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
    List<String[]> found = new ArrayList<>();
    for (Catalog.SchemaObject o : Catalog.read(db, c).objects()) {
      if (o.type().equalsIgnoreCase("index")
          && o.sql() != null
          && wanted.contains(o.table().toUpperCase(Locale.ROOT))) {
        found.add(new String[] {o.name(), o.sql()});
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
