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
    List<String> extra) {

  /** True when the tables are exactly those of its version. */
  public boolean matchesModel() {
    return version != null && missing.isEmpty() && extra.isEmpty();
  }

  /** What is wrong, for people; empty when nothing is. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    if (!missing.isEmpty()) {
      out.add("missing " + String.join(", ", missing));
    }
    if (!extra.isEmpty()) {
      out.add("columns not in the model: " + String.join(", ", extra));
    }
    return out;
  }
}
