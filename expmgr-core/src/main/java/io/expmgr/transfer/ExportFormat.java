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
 * { "format_version": 2,
 *   "metadata":   { export_time, tool_version, source{engine,identity,schema_version},
 *                   source_experiment_id, include_metrics, include_artifacts,
 *                   counts{...}, id_ranges{...}, content_sha256 },
 *   "experiment": { id, title, desc, start_time, update_time },
 *   "artifacts":  [ artifact | {"ref": id} ],
 *   "trials": [ { id, name, ..., "artifacts": [...],
 *                 "trial_runs": [ { id, status, ..., "artifacts": [...],
 *                                   "epochs":  [ { idx, time | "missing": true,
 *                                                  "metrics": [...], "artifacts": [...],
 *                                                  "batches": [ { idx, time | "missing": true,
 *                                                                 "metrics": [...], "artifacts": [...] } ] } ],
 *                                   "results": { time, "metrics": [...], "artifacts": [...] } | null } ] } ] }
 * </pre>
 *
 * <p>Rows carry their columns by name, as the source has them, minus the key columns that nesting
 * already says (a trial's {@code experiment_id}); values are as stored (times and per-label JSON as
 * their text). A metric or artifact linked in several places is written in full the first time and
 * as {@code {"ref": id}} after. An epoch or batch element marked {@code "missing": true} stands for
 * links to a row that does not exist (the tracker's epoch N). {@code metadata} comes first so that
 * an importer can check the version, counts and id ranges before it writes anything.
 */
final class ExportFormat {
  /**
   * The document version this expmgr writes. 2: values exactly as stored (times as the database's
   * text, per-label JSON as its text), the batch level, and links to epochs and batches that do not
   * exist; version 1 documents are still read.
   */
  public static final int FORMAT_VERSION = 2;

  /** The first version, still read. */
  static final int FORMAT_VERSION_1 = 1;

  static final String FORMAT_VERSION_FIELD = "format_version";
  static final String METADATA = "metadata";
  static final String EXPERIMENT = "experiment";
  static final String ARTIFACTS = "artifacts";
  static final String TRIALS = "trials";
  static final String TRIAL_RUNS = "trial_runs";
  static final String EPOCHS = "epochs";
  static final String RESULTS = "results";
  static final String METRICS = "metrics";
  static final String BATCHES = "batches";

  /**
   * Marks an epoch or batch element that stands for links to a row that does not exist (the tracker
   * links a run's final metrics to epoch N, one past its last): it has an {@code idx} and its
   * links, no row of its own.
   */
  static final String MISSING = "missing";

  /** Rows of EXPERIMENT_TAG (schema 2.1): the experiment's tag names. */
  static final String EXPERIMENT_TAGS = "experiment_tags";

  /** Count kinds a document of an older expmgr may lack (taken as 0). */
  static final java.util.Set<String> OPTIONAL_COUNTS =
      java.util.Set.of(
          "experiment_tags",
          "batches",
          "batch_metrics",
          "batch_artifacts",
          "links_to_missing_epochs",
          "links_to_missing_batches");

  /**
   * Count kinds that count rows again that other kinds already count (the links to missing epochs
   * are epoch links too): not added to the total.
   */
  static final java.util.Set<String> SUBSET_COUNTS =
      java.util.Set.of("links_to_missing_epochs", "links_to_missing_batches");

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
          "experiment_tags",
          "batches",
          "batch_metrics",
          "batch_artifacts",
          "links_to_missing_epochs",
          "links_to_missing_batches");

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
  static final byte TAG_BATCH = 'B';
  static final byte TAG_MISSING_EPOCH = 'p';
  static final byte TAG_MISSING_BATCH = 'b';
  static final byte TAG_MISSING_RESULTS = 'r';

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

  /**
   * The columns of a table as the database has them that a document element carries: all but the
   * model's foreign-key columns (the nesting says them), columns the model does not know included.
   */
  static List<io.expmgr.db.Catalog.ColumnInfo> fields(
      Schema schema, io.expmgr.db.Catalog catalog, String table) {
    Table t = schema.table(table);
    Set<String> keyColumns = new HashSet<>();
    for (ForeignKey fk : t.foreignKeys()) {
      fk.columns().forEach(c -> keyColumns.add(c.toLowerCase(java.util.Locale.ROOT)));
    }
    return catalog.table(table).orElseThrow().columns().stream()
        .filter(c -> !keyColumns.contains(c.name().toLowerCase(java.util.Locale.ROOT)))
        .toList();
  }

  /** Total of the rows a document with these counts holds, for progress and rates. */
  static long totalRows(java.util.Map<String, Long> counts) {
    long n = 0;
    for (String k : COUNT_KINDS) {
      if (!SUBSET_COUNTS.contains(k)) {
        n += counts.getOrDefault(k, 0L);
      }
    }
    return n;
  }
}
