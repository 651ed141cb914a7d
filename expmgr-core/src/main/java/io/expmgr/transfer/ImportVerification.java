package io.expmgr.transfer;

import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last step of an import, before its commit: what was read must be what the document declares
 * (counts and content checksum), and what the target holds must be what was written.
 */
final class ImportVerification {
  private ImportVerification() {}

  /**
   * Checks the counts read and the checksum computed against what the document declares, then the
   * target's own count of what the transaction holds.
   *
   * @param counts what was read, per kind in {@link ExportFormat#COUNT_KINDS} order
   */
  static void verify(
      String name,
      ExportHeader h,
      long[] counts,
      String computed,
      Connection c,
      Dialect d,
      Schema schema,
      long experimentId)
      throws SQLException {
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      String kind = ExportFormat.COUNT_KINDS.get(i);
      if (counts[i] != h.counts.get(kind)) {
        wrong.add(kind + " " + counts[i] + " (declared " + h.counts.get(kind) + ")");
      }
    }
    if (!wrong.isEmpty()) {
      throw new InvalidInputException(
          name
              + " does not hold what its metadata declares: "
              + String.join(", ", wrong)
              + "; nothing was imported");
    }
    if (!computed.equals(h.sha)) {
      throw new InvalidInputException(
          name
              + ": content checksum mismatch (declared "
              + h.sha.substring(0, 12)
              + "…, computed "
              + computed.substring(0, 12)
              + "…): the document was changed after export; nothing was imported");
    }
    // The target's own count of what this transaction holds, against the declaration.
    Map<String, Long> inTarget = countInTarget(c, d, schema, experimentId);
    List<String> off = new ArrayList<>();
    inTarget.forEach(
        (kind, n) -> {
          if (!n.equals(h.counts.get(kind))) {
            off.add(kind + " " + n + " (declared " + h.counts.get(kind) + ")");
          }
        });
    if (!off.isEmpty()) {
      throw new DataAccessException(
          "the target holds other counts than written: "
              + String.join(", ", off)
              + "; the import was rolled back");
    }
  }

  private static Map<String, Long> countInTarget(
      Connection c, Dialect d, Schema schema, long experimentId) throws SQLException {
    String trials = d.quote("TRIAL") + " t";
    String runs = trials + " JOIN " + d.quote("TRIAL_RUN") + " r ON r.trial_id = t.id";
    Map<String, String> sql = new LinkedHashMap<>();
    sql.put("trials", "FROM " + trials + " WHERE t.experiment_id = ?");
    if (schema.find("EXPERIMENT_TAG").isPresent()) {
      sql.put(
          "experiment_tags", "FROM " + d.quote("EXPERIMENT_TAG") + " g WHERE g.experiment_id = ?");
    }
    sql.put("trial_runs", "FROM " + runs + " WHERE t.experiment_id = ?");
    sql.put(
        "epochs",
        "FROM "
            + runs
            + " JOIN "
            + d.quote("EPOCH")
            + " e ON e.trial_run_id = r.id"
            + " WHERE t.experiment_id = ?");
    sql.put(
        "results",
        "FROM "
            + runs
            + " JOIN "
            + d.quote("RESULTS")
            + " s ON s.trial_run_id = r.id"
            + " WHERE t.experiment_id = ?");
    sql.put(
        "epoch_metrics",
        "FROM "
            + runs
            + " JOIN "
            + d.quote("EPOCH_METRIC")
            + " l ON l.epoch_trial_run_id = r.id WHERE t.experiment_id = ?");
    sql.put(
        "results_metrics",
        "FROM "
            + runs
            + " JOIN "
            + d.quote("RESULTS_METRIC")
            + " l ON l.results_id = r.id WHERE t.experiment_id = ?");
    if (schema.hasBatches()) {
      sql.put(
          "batches",
          "FROM "
              + runs
              + " JOIN "
              + d.quote("BATCH")
              + " b ON b.trial_run_id = r.id WHERE t.experiment_id = ?");
      sql.put(
          "batch_metrics",
          "FROM "
              + runs
              + " JOIN "
              + d.quote("BATCH_METRIC")
              + " l ON l.trial_run_id = r.id WHERE t.experiment_id = ?");
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (var e : sql.entrySet()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*) " + e.getValue())) {
        ps.setLong(1, experimentId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          out.put(e.getKey(), rs.getLong(1));
        }
      }
    }
    return out;
  }
}
