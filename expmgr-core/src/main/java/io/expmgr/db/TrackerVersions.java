package io.expmgr.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Optional;

/**
 * The experiment tracker's own record of schema versions, its table {@code SCHEMA_VERSION (id,
 * version, migration_name, description, applied_at, rollback_script)}: the tracker reads its
 * current version as the row with the highest id. expmgr reads it for {@code schema status} and,
 * after an upgrade of a database that has the table, adds a row the way the tracker does, so the
 * tracker's own code sees the new version.
 */
public final class TrackerVersions {
  private TrackerVersions() {}

  /** Whether the database has the tracker's version table. */
  public static boolean present(Database db, Connection c) throws SQLException {
    return db.existingTables(c).contains(Catalog.TRACKER_VERSION_TABLE);
  }

  /** The version of the newest row, or empty when the table is missing or empty. */
  public static Optional<String> latest(Database db) {
    return db.withConnection(
        c -> {
          if (!present(db, c)) {
            return Optional.<String>empty();
          }
          Dialect d = db.dialect();
          try (var st = c.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "SELECT "
                          + d.quote("version")
                          + " FROM "
                          + d.quote(Catalog.TRACKER_VERSION_TABLE)
                          + " ORDER BY "
                          + d.quote("id")
                          + " DESC LIMIT 1")) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
          }
        });
  }

  /** expmgr's version {@code 2.0} as the tracker writes versions ({@code 2.0.0}). */
  public static String trackerForm(String version) {
    return version.split("\\.").length == 2 ? version + ".0" : version;
  }

  /**
   * Adds a row for a version expmgr applied, unless one for it is there: {@code applied_at} as the
   * tracker writes times on this engine (ISO text on SQLite, a {@code DATETIME} on MySQL).
   */
  public static void record(
      Database db, Connection c, String version, String name, String description, String rollback)
      throws SQLException {
    if (!present(db, c)) {
      return;
    }
    record(c, db.dialect(), version, name, description, rollback);
  }

  /** {@link #record(Database, Connection, String, String, String, String)} on a connection. */
  public static void record(
      Connection c, Dialect d, String version, String name, String description, String rollback)
      throws SQLException {
    boolean present = false;
    try (ResultSet rs =
        c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        present |= rs.getString("TABLE_NAME").equalsIgnoreCase(Catalog.TRACKER_VERSION_TABLE);
      }
    }
    if (!present) {
      return;
    }
    String v = trackerForm(version);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM "
                + d.quote(Catalog.TRACKER_VERSION_TABLE)
                + " WHERE "
                + d.quote("version")
                + " = ?")) {
      ps.setString(1, v);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + d.quote(Catalog.TRACKER_VERSION_TABLE)
                + " ("
                + String.join(
                    ", ",
                    d.quote("version"),
                    d.quote("migration_name"),
                    d.quote("description"),
                    d.quote("applied_at"),
                    d.quote("rollback_script"))
                + ") VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, v);
      ps.setString(2, name);
      ps.setString(3, description);
      d.setTrackerTime(ps, 4, LocalDateTime.now());
      ps.setString(5, rollback);
      ps.executeUpdate();
    }
  }

  /** A name as the tracker's migrations are named: {@code expmgr_2_0_metric_metadata}. */
  public static String migrationName(String version, String what) {
    return "expmgr_"
        + version.replace('.', '_')
        + "_"
        + what.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
  }
}
