package io.expmgr.schema;

import io.expmgr.db.Column;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.db.TrackerDdl;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The change from one schema version to the next, derived from the two models: new tables, new
 * columns (existing rows get their default), new indexes. Its statements are computed against the
 * database as it is, leaving out what is already there, so that re-running a step that a crash
 * interrupted half-way finishes it instead of failing on what was done.
 */
final class VersionStep {
  private final Schema from;
  private final Schema to;

  VersionStep(Schema from, Schema to) {
    this.from = from;
    this.to = to;
  }

  Schema from() {
    return from;
  }

  Schema to() {
    return to;
  }

  /** A line per change, for people. */
  List<String> describe() {
    List<String> out = new ArrayList<>();
    for (Table t : to.tables()) {
      var old = from.find(t.name());
      if (old.isEmpty()) {
        out.add("create table " + t.name() + " (" + String.join(", ", t.columnNames()) + ")");
        continue;
      }
      for (Column c : t.columns()) {
        if (old.get().column(c.name()).isEmpty()) {
          out.add(
              "add column "
                  + t.name()
                  + "."
                  + c.name()
                  + (c.defaultText() == null ? "" : " (existing rows: '" + c.defaultText() + "')"));
        }
      }
      for (List<String> idx : t.indexes()) {
        if (!old.get().indexes().contains(idx)) {
          out.add("add index on " + t.name() + "(" + String.join(", ", idx) + ")");
        }
      }
    }
    return out;
  }

  /** Every statement of the step, as on a database at {@link #from()}. */
  List<String> statements(Dialect d) {
    try {
      return statements(null, d);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The statements still needed on this database (all of them when {@code c} is null). On the
   * tracker's tables they are written in the tracker's style (bare names, its types, {@code
   * idx_metric_type ON METRIC(type)}), so the database keeps looking like its own.
   */
  List<String> statements(Connection c, Dialect d) throws SQLException {
    boolean tracker = c != null && TrackerDdl.isTrackerLayout(c);
    Set<String> tables = c == null ? Set.of() : tables(c);
    List<String> out = new ArrayList<>();
    for (Table t : to.tables()) {
      var old = from.find(t.name());
      if (old.isEmpty()) {
        if (!tables.contains(t.name().toUpperCase(Locale.ROOT))) {
          if (tracker) {
            out.add(TrackerDdl.createTable(t, d));
            t.indexes().forEach(idx -> out.add(TrackerDdl.createIndex(t, idx)));
          } else {
            out.addAll(Ddl.createTable(t, d));
          }
        } else {
          // Left by an interrupted run of this step, or someone else's table of the same name.
          Set<String> have = columns(c, t.name());
          List<String> lacking =
              t.columnNames().stream()
                  .filter(n -> !have.contains(n.toLowerCase(Locale.ROOT)))
                  .toList();
          if (!lacking.isEmpty()) {
            throw new SQLException(
                "table "
                    + t.name()
                    + " already exists but is not the one of schema "
                    + to.version()
                    + " (it lacks "
                    + String.join(", ", lacking)
                    + "); rename or drop it first");
          }
        }
        continue;
      }
      Set<String> columns = c == null ? Set.of() : columns(c, t.name());
      for (Column col : t.columns()) {
        if (old.get().column(col.name()).isEmpty()
            && !columns.contains(col.name().toLowerCase(Locale.ROOT))) {
          out.add(tracker ? TrackerDdl.addColumn(t, col, d) : Ddl.addColumn(t, col, d));
        }
      }
      Set<String> indexes = c == null ? Set.of() : indexes(c, t.name());
      for (List<String> idx : t.indexes()) {
        if (!old.get().indexes().contains(idx)
            && !indexes.contains(Ddl.indexName(t, idx).toLowerCase(Locale.ROOT))) {
          out.add(
              tracker
                  ? TrackerDdl.createIndex(t, idx)
                  : "CREATE INDEX "
                      + d.quote(Ddl.indexName(t, idx))
                      + " ON "
                      + d.quote(t.name())
                      + " ("
                      + Ddl.quoteAll(idx, d)
                      + ")");
        }
      }
    }
    return out;
  }

  /**
   * The statements that take the step back, in the order to run them (for the tracker's record).
   */
  List<String> rollback(Dialect d) {
    List<String> out = new ArrayList<>();
    List<Table> tables = new ArrayList<>(to.tables());
    java.util.Collections.reverse(tables);
    for (Table t : tables) {
      var old = from.find(t.name());
      if (old.isEmpty()) {
        out.add("DROP TABLE " + t.name());
        continue;
      }
      for (List<String> idx : t.indexes()) {
        if (!old.get().indexes().contains(idx)) {
          out.add(d.dropIndex(Ddl.indexName(t, idx), t.name()));
        }
      }
      for (Column col : t.columns()) {
        if (old.get().column(col.name()).isEmpty()) {
          out.add("ALTER TABLE " + t.name() + " DROP COLUMN " + col.name());
        }
      }
    }
    return out;
  }

  private static Set<String> tables(Connection c) throws SQLException {
    Set<String> out = new HashSet<>();
    try (ResultSet rs =
        c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        out.add(rs.getString("TABLE_NAME").toUpperCase(Locale.ROOT));
      }
    }
    return out;
  }

  private static Set<String> columns(Connection c, String table) throws SQLException {
    Set<String> out = new HashSet<>();
    DatabaseMetaData md = c.getMetaData();
    try (ResultSet rs = md.getColumns(c.getCatalog(), null, table, "%")) {
      while (rs.next()) {
        out.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  private static Set<String> indexes(Connection c, String table) throws SQLException {
    Set<String> out = new HashSet<>();
    try (ResultSet rs = c.getMetaData().getIndexInfo(c.getCatalog(), null, table, false, true)) {
      while (rs.next()) {
        String name = rs.getString("INDEX_NAME");
        if (name != null) {
          out.add(name.toLowerCase(Locale.ROOT));
        }
      }
    }
    return out;
  }
}
