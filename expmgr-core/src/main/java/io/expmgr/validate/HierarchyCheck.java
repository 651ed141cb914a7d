package io.expmgr.validate;

import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Experiment → trial → run → epochs/results consistency, for one experiment or all: parents without
 * children and times running backwards are warnings; duplicate epoch indexes of a run are failures.
 */
final class HierarchyCheck implements ValidationCheck {
  public static final String NAME = "hierarchy";

  private record Finding(String kind, Status severity, String sql) {}

  @Override
  public String name() {
    return NAME;
  }

  /** {@code column NOT IN (SELECT ref FROM table)}: one pass over {@code table}, any indexes. */
  private static String notIn(String column, String table, String ref, Dialect d) {
    return column
        + " NOT IN (SELECT "
        + ref
        + " FROM "
        + d.quote(table)
        + " WHERE "
        + ref
        + " IS NOT NULL)";
  }

  /** Links of the epoch link tables to epoch N of their run (of the experiment, when scoped). */
  private static long finalEpochLinks(
      ValidationContext context, String runsOfExperiment, Object[] p) {
    Database db = context.database();
    Dialect d = db.dialect();
    long n = 0;
    for (io.expmgr.db.Table t : context.schema().tables()) {
      for (io.expmgr.db.ForeignKey fk : t.foreignKeys()) {
        if (!MissingParents.isEpochLink(t, fk)) {
          continue;
        }
        String runColumn = fk.columns().get(fk.parentColumns().indexOf("trial_run_id"));
        String sql =
            "SELECT 1"
                + MissingParents.finalEpochLinksFrom(t, fk, d)
                + (runsOfExperiment == null
                    ? ""
                    : " WHERE c." + d.quote(runColumn) + " IN " + runsOfExperiment);
        n += SqlChecks.count(db, sql, runsOfExperiment == null ? new Object[0] : p);
      }
    }
    return n;
  }

  @Override
  public CheckResult run(ValidationContext context) {
    Database db = context.database();
    Dialect d = db.dialect();
    boolean scoped = context.experimentId().isPresent();
    Object[] params = scoped ? new Object[] {context.experimentId().getAsLong()} : new Object[0];
    String id = d.quote("id");
    String expId = d.quote("experiment_id");
    String trialId = d.quote("trial_id");
    String runId = d.quote("trial_run_id");
    String idx = d.quote("idx");
    String experimentScope = scoped ? " AND e." + id + " = ?" : "";
    String trialScope = scoped ? " AND t." + expId + " = ?" : "";
    String runScope =
        scoped
            ? " AND r."
                + trialId
                + " IN (SELECT "
                + id
                + " FROM "
                + d.quote("TRIAL")
                + " WHERE "
                + expId
                + " = ?)"
            : "";
    String runsOfExperiment =
        "(SELECT r."
            + id
            + " FROM "
            + d.quote("TRIAL_RUN")
            + " r JOIN "
            + d.quote("TRIAL")
            + " t ON t."
            + id
            + " = r."
            + trialId
            + " WHERE t."
            + expId
            + " = ?)";
    String epochScope = scoped ? " WHERE x." + runId + " IN " + runsOfExperiment : "";
    List<Finding> findings = new ArrayList<>();
    findings.add(
        new Finding(
            "experiments_without_trials",
            Status.WARN,
            "SELECT e."
                + id
                + " AS experiment_id FROM "
                + d.quote("EXPERIMENT")
                + " e WHERE "
                + notIn("e." + id, "TRIAL", expId, d)
                + experimentScope));
    findings.add(
        new Finding(
            "trials_without_runs",
            Status.WARN,
            "SELECT t."
                + id
                + " AS trial_id, t."
                + expId
                + " AS experiment_id FROM "
                + d.quote("TRIAL")
                + " t WHERE "
                + notIn("t." + id, "TRIAL_RUN", trialId, d)
                + trialScope));
    findings.add(
        new Finding(
            "runs_without_epochs",
            Status.WARN,
            "SELECT r."
                + id
                + " AS trial_run_id, r."
                + trialId
                + " AS trial_id FROM "
                + d.quote("TRIAL_RUN")
                + " r WHERE "
                + notIn("r." + id, "EPOCH", runId, d)
                + runScope));
    findings.add(
        new Finding(
            "runs_without_results",
            Status.WARN,
            "SELECT r."
                + id
                + " AS trial_run_id, r."
                + trialId
                + " AS trial_id FROM "
                + d.quote("TRIAL_RUN")
                + " r WHERE "
                + notIn("r." + id, "RESULTS", runId, d)
                + runScope));
    findings.add(
        new Finding(
            "duplicate_epoch_indexes",
            Status.FAIL,
            "SELECT x."
                + runId
                + " AS trial_run_id, x."
                + idx
                + " AS idx, count(*) AS copies FROM "
                + d.quote("EPOCH")
                + " x"
                + epochScope
                + " GROUP BY x."
                + runId
                + ", x."
                + idx
                + " HAVING count(*) > 1"));
    String start = d.quote("start_time");
    String update = d.quote("update_time");
    findings.add(
        new Finding(
            "experiments_started_after_update",
            Status.WARN,
            "SELECT e."
                + id
                + " AS experiment_id, e."
                + start
                + " AS start_time, e."
                + update
                + " AS update_time FROM "
                + d.quote("EXPERIMENT")
                + " e WHERE e."
                + start
                + " > e."
                + update
                + experimentScope));
    findings.add(
        new Finding(
            "trials_started_after_update",
            Status.WARN,
            "SELECT t."
                + id
                + " AS trial_id, t."
                + start
                + " AS start_time, t."
                + update
                + " AS update_time FROM "
                + d.quote("TRIAL")
                + " t WHERE t."
                + start
                + " > t."
                + update
                + trialScope));
    findings.add(
        new Finding(
            "runs_started_after_update",
            Status.WARN,
            "SELECT r."
                + id
                + " AS trial_run_id, r."
                + start
                + " AS start_time, r."
                + update
                + " AS update_time FROM "
                + d.quote("TRIAL_RUN")
                + " r WHERE r."
                + start
                + " > r."
                + update
                + runScope));

    Map<String, Object> details = new LinkedHashMap<>();
    List<Map<String, Object>> sample = new ArrayList<>();
    Status status = Status.PASS;
    long issues = 0;
    long finalLinks = finalEpochLinks(context, scoped ? runsOfExperiment : null, params);
    for (Finding f : findings) {
      long n = SqlChecks.count(db, f.sql(), params);
      details.put(f.kind(), n);
      if (n == 0) {
        continue;
      }
      issues += n;
      status = status.and(f.severity());
      int room = context.sampleSize() - sample.size();
      for (Map<String, Object> row : SqlChecks.sample(db, f.sql(), Math.max(0, room), params)) {
        Map<String, Object> withKind = new LinkedHashMap<>();
        withKind.put("kind", f.kind());
        row.forEach(
            (k, v) -> withKind.put(k, v == null ? null : v instanceof Number ? v : v.toString()));
        sample.add(withKind);
      }
    }
    // Not a finding: the tracker links a run's final test metrics to epoch N on purpose.
    details.put("final_epoch_links", finalLinks);
    String summary =
        issues == 0
            ? "every experiment has trials, every trial runs, every run epochs and results"
            : issues + " hierarchy findings";
    if (finalLinks > 0) {
      summary +=
          "; "
              + finalLinks
              + " links to epoch N, one past a run's last epoch (the tracker's final"
              + " metrics), kept as they are";
    }
    return new CheckResult(NAME, status, issues, summary, details, sample, List.of(), 0);
  }
}
