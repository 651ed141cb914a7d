package io.expmgr.transfer;

import io.expmgr.db.Column;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The export document, version {@value #FORMAT_VERSION} (see {@code docs/export-format.md} and
 * {@code docs/export-format.schema.json}).
 *
 * <pre>
 * { "format_version": 1,
 *   "metadata":   { export_time, tool_version, source{engine,identity,schema_version},
 *                   source_experiment_id, include_metrics, include_artifacts,
 *                   counts{...}, id_ranges{...}, content_sha256 },
 *   "experiment": { id, title, desc, start_time, update_time },
 *   "artifacts":  [ artifact | {"ref": id} ],
 *   "trials": [ { id, name, ..., "artifacts": [...],
 *                 "trial_runs": [ { id, status, ..., "artifacts": [...],
 *                                   "epochs":  [ { idx, time, "metrics": [...], "artifacts": [...] } ],
 *                                   "results": { time, "metrics": [...], "artifacts": [...] } | null } ] } ] }
 * </pre>
 *
 * <p>Rows carry their columns by name, minus the key columns that nesting already says (a trial's
 * {@code experiment_id}). A metric or artifact linked in several places is written in full the
 * first time and as {@code {"ref": id}} after. {@code metadata} comes first so that an importer can
 * check the version, counts and id ranges before it writes anything.
 */
public final class ExportFormat {
  /** The document version this expmgr writes and reads. */
  public static final int FORMAT_VERSION = 1;

  static final String FORMAT_VERSION_FIELD = "format_version";
  static final String METADATA = "metadata";
  static final String EXPERIMENT = "experiment";
  static final String ARTIFACTS = "artifacts";
  static final String TRIALS = "trials";
  static final String TRIAL_RUNS = "trial_runs";
  static final String EPOCHS = "epochs";
  static final String RESULTS = "results";
  static final String METRICS = "metrics";

  /** Rows of EXPERIMENT_TAG (schema 2.1): the experiment's tag names. */
  static final String EXPERIMENT_TAGS = "experiment_tags";

  /** Count kinds a document of an older expmgr may lack (taken as 0). */
  static final java.util.Set<String> OPTIONAL_COUNTS = java.util.Set.of("experiment_tags");

  static final String REF = "ref";
  static final String PER_LABEL = "per_label_val";

  /** Holds {@code per_label_val} text that is not a JSON object or array, verbatim. */
  static final String PER_LABEL_RAW = "per_label_val_raw";

  static final String CONTENT_SHA256 = "content_sha256";

  /** Counted kinds of rows, as named in {@code metadata.counts}. */
  static final List<String> COUNT_KINDS =
      List.of(
          "experiments",
          "trials",
          "trial_runs",
          "epochs",
          "results",
          "metrics",
          "artifacts",
          "epoch_metrics",
          "results_metrics",
          "experiment_artifacts",
          "trial_artifacts",
          "trial_run_artifacts",
          "epoch_artifacts",
          "results_artifacts",
          "experiment_tags");

  /** Kinds whose ids are renumbered on import, as named in {@code metadata.id_ranges}. */
  static final List<String> ID_KINDS = List.of("trial", "trial_run", "metric", "artifact");

  /** Digest tags of the element kinds. */
  static final byte TAG_EXPERIMENT = 'E';

  static final byte TAG_TRIAL = 'T';
  static final byte TAG_RUN = 'R';
  static final byte TAG_EPOCH = 'P';
  static final byte TAG_RESULTS = 'S';
  static final byte TAG_METRIC = 'M';
  static final byte TAG_METRIC_REF = 'm';
  static final byte TAG_ARTIFACT = 'A';
  static final byte TAG_ARTIFACT_REF = 'a';
  static final byte TAG_NO_RESULTS = 's';
  static final byte TAG_EXPERIMENT_TAG = 'G';

  private ExportFormat() {}

  /** The columns of a table that a document element carries: all but its foreign-key columns. */
  static List<Column> fields(Schema schema, String table) {
    Table t = schema.table(table);
    Set<String> keyColumns = new HashSet<>();
    for (ForeignKey fk : t.foreignKeys()) {
      keyColumns.addAll(fk.columns());
    }
    return t.columns().stream().filter(c -> !keyColumns.contains(c.name())).toList();
  }

  /** Total of the rows a document with these counts holds, for progress and rates. */
  static long totalRows(java.util.Map<String, Long> counts) {
    long n = 0;
    for (String k : COUNT_KINDS) {
      n += counts.getOrDefault(k, 0L);
    }
    return n;
  }
}
