package io.expmgr.upgrade;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a database's schema stands.
 *
 * @param version its version (recorded, or recognised from its tables); null when none matches
 * @param recorded whether the version history says so (false: made by another tool)
 * @param empty whether it has none of the experiment tables
 * @param available the versions this build knows
 * @param latest the newest of them
 * @param pending what an upgrade to the latest would apply, per version
 * @param missing tables and columns of its version's model that it lacks (of 1.0 when no version
 *     matches)
 * @param extra columns it has that its version's model does not
 * @param extraTables tables it has that no version's model describes (carried unchanged by every
 *     command; SQLite's own {@code sqlite_sequence} is not listed)
 * @param layout which known layout its DDL has: {@code tracker}, {@code expmgr} or {@code other}
 * @param batchLevel whether it has the tracker's batch level ({@code BATCH} and its links)
 * @param trackerVersion the newest version its {@code SCHEMA_VERSION} table records (the tracker's
 *     own record, such as {@code 1.0.0}), or null when it has none
 */
public record SchemaStatus(
    String database,
    String version,
    boolean recorded,
    boolean empty,
    List<String> available,
    String latest,
    Map<String, List<String>> pending,
    List<String> missing,
    List<String> extra,
    List<String> extraTables,
    String layout,
    boolean batchLevel,
    String trackerVersion) {

  public SchemaStatus {
    available = List.copyOf(available);
    missing = List.copyOf(missing);
    extra = List.copyOf(extra);
    extraTables = List.copyOf(extraTables);
  }

  /**
   * True when the database has every table and column of its version's model. Tables and columns
   * beyond the model do not count against it: expmgr carries them.
   */
  public boolean matchesModel() {
    return version != null && missing.isEmpty();
  }

  /** What is wrong, for people; empty when nothing is. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    if (!missing.isEmpty()) {
      out.add("missing " + String.join(", ", missing));
    }
    return out;
  }
}
