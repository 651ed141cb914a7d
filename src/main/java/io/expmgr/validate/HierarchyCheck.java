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
public final class HierarchyCheck implements ValidationCheck {
  public static final String NAME = "hierarchy";

  private record Finding(String kind, Status severity, String sql) {}

  @Override
  public String name() {
    return NAME;
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
    String epochScope =
        scoped
            ? " WHERE x."
                + runId
                + " IN (SELECT r."
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
                + " = ?)"
            : "";
    List<Finding> findings = new ArrayList<>();
    findings.add(
        new Finding(
            "experiments_without_trials",
            Status.WARN,
            "SELECT e."
                + id
                + " AS experiment_id FROM "
                + d.quote("EXPERIMENT")
                + " e WHERE NOT EXISTS (SELECT 1 FROM "
                + d.quote("TRIAL")
                + " t WHERE t."
                + expId
                + " = e."
                + id
                + ")"
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
                + " t WHERE NOT EXISTS (SELECT 1 FROM "
                + d.quote("TRIAL_RUN")
                + " r WHERE r."
                + trialId
                + " = t."
                + id
                + ")"
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
                + " r WHERE NOT EXISTS (SELECT 1 FROM "
                + d.quote("EPOCH")
                + " x WHERE x."
                + runId
                + " = r."
                + id
                + ")"
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
                + " r WHERE NOT EXISTS (SELECT 1 FROM "
                + d.quote("RESULTS")
                + " x WHERE x."
                + runId
                + " = r."
                + id
                + ")"
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
    String summary =
        issues == 0
            ? "every experiment has trials, every trial runs, every run epochs and results"
            : issues + " hierarchy findings";
    return new CheckResult(NAME, status, issues, summary, details, sample, List.of(), 0);
  }
}
