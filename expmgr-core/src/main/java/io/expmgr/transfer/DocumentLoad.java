package io.expmgr.transfer;

import static io.expmgr.transfer.ImportErrors.abbreviate;
import static io.expmgr.transfer.ImportErrors.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.expmgr.ConflictException;
import io.expmgr.InvalidInputException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Catalog;
import io.expmgr.db.Column;
import io.expmgr.db.ColumnType;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.db.Values;
import io.expmgr.internal.LongBitSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One import's reading of the document into rows, inside the caller's transaction: each element
 * checked against the target's columns and converted to its types, new ids by one offset per kind,
 * rows batched to the writer thread, the content digested as read, and the counts and checksum
 * verified before the caller commits.
 */
final class DocumentLoad {
  private static final int BATCH_ROWS = 16_384;
  private static final int PROGRESS_EVERY = 8192;

  private final Database db;
  private final Schema schema;
  private final Catalog catalog;
  private final Dialect d;

  private final Connection c;
  private final ExportHeader h;
  private final ImportOptions options;
  private final ProgressListener progress;
  private final String name;
  private final ContentDigest digest = new ContentDigest();
  private final long[] counts = new long[ExportFormat.COUNT_KINDS.size()];
  private final Map<String, Long> offsets = new HashMap<>();
  private final LongBitSet trialsSeen = new LongBitSet();
  private final LongBitSet runsSeen = new LongBitSet();
  private final LongBitSet metricsSeen = new LongBitSet();
  private final LongBitSet artifactsSeen = new LongBitSet();
  private final Set<Long> linkedHere = new HashSet<>();
  private final StringBuilder compact = new StringBuilder(256);
  private final ContentDigest.Pending pendingDigest = new ContentDigest.Pending();
  private final Map<String, ImportWriter.Insert> inserts = new LinkedHashMap<>();
  private ImportWriter writer;

  /** How the target writes times, for values converted from another engine. */
  private io.expmgr.db.TimeStyle timeStyle;

  private long experimentId;
  private long rows;
  private long pending;
  private long nextReport = PROGRESS_EVERY;

  /** The target's own column of each field, by {@code TABLE.column} (lower-case). */
  private final Map<String, Catalog.ColumnInfo> targetColumns = new HashMap<>();

  /** Fields by the list of each element kind, for lookups of their table. */
  private final Map<List<Column>, String> tableOf = new java.util.IdentityHashMap<>();

  private final List<Column> experimentFields;
  private final List<Column> trialFields;
  private final List<Column> runFields;
  private final List<Column> epochFields;
  private final List<Column> resultsFields;
  private final List<Column> metricFields;
  private final List<Column> artifactFields;
  private final List<Column> batchFields;

  /** Whether the document comes from the target's engine: its values are then kept as text. */
  private boolean sameEngine() {
    return d.engine().label().equals(h.sourceEngine);
  }

  /**
   * The columns of a table as the target has them that an element carries: the model's columns with
   * their types, and the target's other columns with types that keep their values.
   */
  private List<Column> fields(String table) {
    Table model = schema.table(table);
    Set<String> keys = new HashSet<>();
    model.foreignKeys().forEach(fk -> fk.columns().forEach(k -> keys.add(lower(k))));
    List<Column> out = new ArrayList<>();
    for (Catalog.ColumnInfo ci : catalog.table(table).orElseThrow().columns()) {
      if (keys.contains(lower(ci.name()))) {
        continue;
      }
      Column col =
          model
              .column(ci.name())
              .orElse(
                  new Column(
                      ci.name(),
                      io.expmgr.db.Translate.typeOf(ci, d.engine(), false),
                      !ci.notNull()));
      targetColumns.put(lower(table + "." + col.name()), ci);
      out.add(col);
    }
    tableOf.put(out, table);
    return out;
  }

  DocumentLoad(
      Database db,
      Schema schema,
      Catalog catalog,
      Connection c,
      ExportHeader h,
      ImportOptions options,
      ProgressListener progress,
      String name)
      throws SQLException {
    this.db = db;
    this.schema = schema;
    this.catalog = catalog;
    this.d = db.dialect();
    this.experimentFields = fields("EXPERIMENT");
    this.trialFields = fields("TRIAL");
    this.runFields = fields("TRIAL_RUN");
    this.epochFields = fields("EPOCH");
    this.resultsFields = fields("RESULTS");
    this.metricFields = fields("METRIC");
    this.artifactFields = fields("ARTIFACT");
    this.batchFields = schema.hasBatches() ? fields("BATCH") : List.of();
    this.c = c;
    this.h = h;
    this.options = options;
    this.progress = progress;
    this.name = name;
    // Parents first: with the engine's foreign keys on, a batch never precedes its parents'.
    for (Table t : schema.tables()) {
      inserts.put(t.name(), new ImportWriter.Insert(d, catalog, c, t.name()));
    }
    this.timeStyle = io.expmgr.db.TimeStyle.of(db, c, catalog);
  }

  ImportResult run(JsonParser p, long started) throws SQLException, IOException {
    if (!options.allowDuplicate() && ImportLedger.present(db, c)) {
      var earlier = ImportLedger.find(c, d, h.sourceIdentity, h.sourceExperimentId, h.sha);
      if (earlier.isPresent()) {
        throw ExperimentImporter.alreadyImported(name, h, earlier.get(), db.identity());
      }
    }
    experimentId = options.preserveIds() ? h.sourceExperimentId : nextId("EXPERIMENT");
    if (options.preserveIds() && taken("EXPERIMENT", experimentId)) {
      throw new ConflictException(
          "--preserve-ids: experiment id "
              + experimentId
              + " is already taken in "
              + db.identity()
              + "; nothing was imported. Import without --preserve-ids to get a new id");
    }
    String[][] kinds = {
      {"trial", "TRIAL"},
      {"trial_run", "TRIAL_RUN"},
      {"metric", "METRIC"},
      {"artifact", "ARTIFACT"}
    };
    for (String[] k : kinds) {
      long[] r = h.ranges.get(k[0]);
      long offset = options.preserveIds() || r == null ? 0 : nextId(k[1]) - r[0];
      offsets.put(k[0], offset);
    }
    progress.onStep("importing " + name, "rows");
    progress.onProgress(0, h.total());
    d.tuneForLargeTransaction(c);
    // Parents always precede their children in the document and ids are checked as they come;
    // the counts are checked against the target before commit. The engine's own per-row key
    // checks (MySQL) would only repeat that, at a third of the load's time.
    d.suspendForeignKeyChecks(c);
    List<String> deferred = deferIndexesOfEmptyTables();
    writer = new ImportWriter();
    boolean sawExperiment = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case ExportFormat.EXPERIMENT -> {
          experiment(p);
          sawExperiment = true;
        }
        case ExportFormat.ARTIFACTS -> {
          requireSeen(p, sawExperiment, "experiment", "artifacts");
          artifacts(
              p,
              "EXPERIMENT_ARTIFACT",
              Map.of("experiment_id", experimentId),
              "experiment_artifacts",
              null);
        }
        case ExportFormat.EXPERIMENT_TAGS -> {
          requireSeen(p, sawExperiment, "experiment", "experiment_tags");
          experimentTags(p);
        }
        case ExportFormat.TRIALS -> {
          requireSeen(p, sawExperiment, "experiment", "trials");
          array(p, "trials");
          while (p.nextToken() != JsonToken.END_ARRAY) {
            trial(p);
          }
        }
        default -> throw invalid(p, name, "unknown field '" + field + "' in the document");
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT) {
      throw invalid(p, name, "expected a field name");
    }
    if (!sawExperiment) {
      throw invalid(p, name, "the document has no experiment");
    }
    if (p.nextToken() != null) {
      throw invalid(p, name, "unexpected content after the end of the document");
    }
    flush();
    writer.finish();
    io.expmgr.db.Dialect.execute(c, deferred.toArray(String[]::new));
    progress.onStep("verifying counts and checksum", "");
    ImportVerification.verify(name, h, counts, digest.hex(), c, d, schema, experimentId);
    d.resumeForeignKeyChecks(c);
    ImportLedger.ensure(db, c);
    ImportLedger.record(c, d, h.sourceIdentity, h.sourceExperimentId, h.sha, experimentId);
    progress.onProgress(rows, h.total());
    Map<String, Long> written = new LinkedHashMap<>();
    for (int i = 0; i < counts.length; i++) {
      written.put(ExportFormat.COUNT_KINDS.get(i), counts[i]);
    }
    return new ImportResult(
        experimentId,
        h.sourceIdentity,
        h.sourceExperimentId,
        written,
        h.sha,
        Duration.ofNanos(System.nanoTime() - started));
  }

  /** Stops the insert thread, so the connection is free for the rollback. */
  void stopWriter() {
    if (writer != null) {
      writer.close();
    }
  }

  /**
   * On an engine whose DDL is transactional (SQLite), the secondary indexes that tables still empty
   * have (the target's own, whatever their names) are dropped for the load and made again from
   * their own DDL at the end, inside the same transaction: a rollback brings them back. About a
   * third faster into a new database; a no-op elsewhere.
   */
  private List<String> deferIndexesOfEmptyTables() throws SQLException {
    List<String> empty = new ArrayList<>();
    for (Table t : schema.tables()) {
      try (var st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT 1 FROM " + d.quote(t.name()) + " LIMIT 1")) {
        if (!rs.next()) {
          empty.add(t.name());
        }
      }
    }
    return io.expmgr.db.Indexes.dropSecondary(db, c, empty);
  }

  private void requireSeen(JsonParser p, boolean seen, String first, String second) {
    if (!seen) {
      throw invalid(p, name, "'" + first + "' must come before '" + second + "'");
    }
  }

  /**
   * The first id above every id of the table and every reference to one: an id whose row was
   * deleted but whose orphans remain must not be reused, or the orphans would join the import.
   */
  private long nextId(String table) throws SQLException {
    if (nextIds == null) {
      nextIds = io.expmgr.db.IdKinds.nextIds(c, d, schema, catalog, d.lockingReadSuffix());
    }
    return nextIds.get(table);
  }

  private Map<String, Long> nextIds;

  /** Whether the id is used by the table or referenced by any of its children. */
  private boolean taken(String table, long id) throws SQLException {
    for (String[] ref : references(table)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT 1 FROM " + d.quote(ref[0]) + " WHERE " + d.quote(ref[1]) + " = ?")) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** (table, column) pairs holding ids of {@code table}: its own id and every reference. */
  private List<String[]> references(String table) {
    return io.expmgr.db.IdKinds.columnsOf(schema, table);
  }

  // -------------------------------------------------------------- elements

  private void experiment(JsonParser p) throws IOException, SQLException {
    object(p, "experiment");
    digest.element(ExportFormat.TAG_EXPERIMENT);
    Object[] v = new Object[experimentFields.size()];
    String nested = scalars(p, experimentFields, v, Set.of(), "experiment");
    if (nested != null) {
      throw invalid(p, name, "unexpected '" + nested + "' in experiment");
    }
    Object sourceId = v[indexOf(experimentFields, "id")];
    if (sourceId == null || (Long) sourceId != h.sourceExperimentId) {
      throw invalid(
          p,
          name,
          "experiment.id is "
              + sourceId
              + " but metadata.source_experiment_id says "
              + h.sourceExperimentId);
    }
    row(p, "EXPERIMENT", experimentFields, v, Map.of(), "experiment");
    count("experiments");
  }

  private void experimentTags(JsonParser p) throws IOException, SQLException {
    array(p, ExportFormat.EXPERIMENT_TAGS);
    Set<String> seen = new HashSet<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw invalid(p, name, "experiment_tags must be strings");
      }
      if (!inserts.containsKey("EXPERIMENT_TAG")) {
        throw invalid(
            p,
            name,
            "experiment_tags need schema 2.1 but the target has "
                + schema.version()
                + ": run 'expmgr schema upgrade --to 2.1' on it first");
      }
      String tag = p.getText();
      if (!seen.add(tag)) {
        throw invalid(p, name, "tag '" + tag + "' appears twice");
      }
      digest.element(ExportFormat.TAG_EXPERIMENT_TAG);
      digest.value(tag);
      ImportWriter.Insert tags = inserts.get("EXPERIMENT_TAG");
      Object[] tagRow = new Object[tags.columns.size()];
      for (int i = 0; i < tagRow.length; i++) {
        tagRow[i] = tags.columns.get(i).equalsIgnoreCase("tag_name") ? tag : (Object) experimentId;
      }
      tags.add(tagRow);
      count("experiment_tags");
    }
  }

  private void trial(JsonParser p) throws IOException, SQLException {
    object(p, "trial");
    digest.element(ExportFormat.TAG_TRIAL);
    Object[] v = new Object[trialFields.size()];
    String nested = scalars(p, trialFields, v, Set.of("artifacts", "trial_runs"), "trial");
    long trialId = newId(p, "trial", v, trialFields, trialsSeen);
    row(p, "TRIAL", trialFields, v, Map.of("experiment_id", experimentId), "trial");
    count("trials");
    while (nested != null) {
      switch (nested) {
        case ExportFormat.ARTIFACTS ->
            artifacts(p, "TRIAL_ARTIFACT", Map.of("trial_id", trialId), "trial_artifacts", null);
        default -> {
          array(p, nested);
          while (p.nextToken() != JsonToken.END_ARRAY) {
            trialRun(p, trialId);
          }
        }
      }
      nested = nextNested(p, Set.of("artifacts", "trial_runs"), "trial");
    }
  }

  private void trialRun(JsonParser p, long trialId) throws IOException, SQLException {
    object(p, "trial run");
    digest.element(ExportFormat.TAG_RUN);
    Set<String> allowed = Set.of("artifacts", "epochs", "results");
    Object[] v = new Object[runFields.size()];
    String nested = scalars(p, runFields, v, allowed, "trial run");
    long runId = newId(p, "trial_run", v, runFields, runsSeen);
    row(p, "TRIAL_RUN", runFields, v, Map.of("trial_id", trialId), "trial run");
    count("trial_runs");
    Set<Long> epochIdx = new HashSet<>();
    while (nested != null) {
      switch (nested) {
        case ExportFormat.ARTIFACTS ->
            artifacts(
                p,
                "TRIAL_RUN_ARTIFACT",
                Map.of("trial_run_id", runId),
                "trial_run_artifacts",
                null);
        case ExportFormat.EPOCHS -> {
          array(p, nested);
          while (p.nextToken() != JsonToken.END_ARRAY) {
            epoch(p, runId, epochIdx);
          }
        }
        default -> results(p, runId);
      }
      nested = nextNested(p, allowed, "trial run");
    }
  }

  /**
   * Reads an element's fields with their digest held back: whether it stands for a missing row is
   * known only once its fields are read, and the element's digest says which it is.
   */
  private String heldBackFields(
      JsonParser p, List<Column> fields, Object[] v, Set<String> nested, String what)
      throws IOException {
    ContentDigest.Pending held = new ContentDigest.Pending();
    sink = held;
    try {
      String next = scalars(p, fields, v, nested, what);
      heldBack = held;
      return next;
    } finally {
      sink = digest;
    }
  }

  private ContentDigest.Pending heldBack;

  /** Writes the held-back digest of an element whose row exists. */
  private void digestRow(byte tag) {
    digest.element(tag);
    heldBack.drainInto(digest);
  }

  /** The digest of an element that stands for links to a missing row: its tag and index. */
  private void digestMissing(JsonParser p, byte tag, Object idx) {
    if (!(idx instanceof Number n)) {
      throw invalid(p, name, "an element marked missing needs its idx");
    }
    digest.element(tag);
    digest.value(n.longValue());
  }

  private void epoch(JsonParser p, long runId, Set<Long> seen) throws IOException, SQLException {
    object(p, "epoch");
    Set<String> allowed = Set.of("metrics", "artifacts", ExportFormat.BATCHES);
    Object[] v = new Object[epochFields.size()];
    String nested = heldBackFields(p, epochFields, v, allowed, "epoch");
    boolean missingRow = missing;
    Object rawIdx = v[indexOf(epochFields, "idx")];
    Long idx = rawIdx instanceof Number n ? n.longValue() : null;
    if (idx != null && !seen.add(idx)) {
      throw invalid(p, name, "epoch idx " + idx + " appears twice in one trial run");
    }
    if (missingRow) {
      digestMissing(p, ExportFormat.TAG_MISSING_EPOCH, idx);
    } else {
      digestRow(ExportFormat.TAG_EPOCH);
      row(p, "EPOCH", epochFields, v, Map.of("trial_run_id", runId), "epoch");
      count("epochs");
    }
    Map<String, Object> parent = new HashMap<>();
    parent.put("epoch_idx", idx);
    parent.put("epoch_trial_run_id", runId);
    String alsoKind = missingRow ? "links_to_missing_epochs" : null;
    Set<Long> batches = new HashSet<>();
    while (nested != null) {
      if (nested.equals(ExportFormat.METRICS)) {
        metrics(p, "EPOCH_METRIC", parent, "epoch_metrics", alsoKind);
      } else if (nested.equals(ExportFormat.ARTIFACTS)) {
        artifacts(p, "EPOCH_ARTIFACT", parent, "epoch_artifacts", alsoKind);
      } else {
        array(p, nested);
        while (p.nextToken() != JsonToken.END_ARRAY) {
          batch(p, runId, idx, batches);
        }
      }
      nested = nextNested(p, allowed, "epoch");
    }
  }

  private void batch(JsonParser p, long runId, Long epoch, Set<Long> seen)
      throws IOException, SQLException {
    object(p, "batch");
    if (!inserts.containsKey("BATCH")) {
      throw invalid(p, name, "a batch, but " + db.identity() + " has no batch level");
    }
    Set<String> allowed = Set.of("metrics", "artifacts");
    Object[] v = new Object[batchFields.size()];
    String nested = heldBackFields(p, batchFields, v, allowed, "batch");
    boolean missingRow = missing;
    Object rawIdx = v[indexOf(batchFields, "idx")];
    Long idx = rawIdx instanceof Number n ? n.longValue() : null;
    if (idx != null && !seen.add(idx)) {
      throw invalid(p, name, "batch idx " + idx + " appears twice in one epoch");
    }
    if (missingRow) {
      digestMissing(p, ExportFormat.TAG_MISSING_BATCH, idx);
    } else {
      digestRow(ExportFormat.TAG_BATCH);
      row(p, "BATCH", batchFields, v, Map.of("trial_run_id", runId, "epoch_idx", epoch), "batch");
      count("batches");
    }
    Map<String, Object> parent = new HashMap<>();
    parent.put("batch_idx", idx);
    parent.put("epoch_idx", epoch);
    parent.put("trial_run_id", runId);
    String alsoKind = missingRow ? "links_to_missing_batches" : null;
    while (nested != null) {
      if (nested.equals(ExportFormat.METRICS)) {
        metrics(p, "BATCH_METRIC", parent, "batch_metrics", alsoKind);
      } else {
        artifacts(p, "BATCH_ARTIFACT", parent, "batch_artifacts", alsoKind);
      }
      nested = nextNested(p, allowed, "batch");
    }
  }

  private void results(JsonParser p, long runId) throws IOException, SQLException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      digest.element(ExportFormat.TAG_NO_RESULTS);
      return;
    }
    object(p, "results");
    Set<String> allowed = Set.of("metrics", "artifacts");
    Object[] v = new Object[resultsFields.size()];
    String nested = heldBackFields(p, resultsFields, v, allowed, "results");
    if (missing) {
      digest.element(ExportFormat.TAG_MISSING_RESULTS);
    } else {
      digestRow(ExportFormat.TAG_RESULTS);
      row(p, "RESULTS", resultsFields, v, Map.of("trial_run_id", runId), "results");
      count("results");
    }
    Map<String, Object> parent = Map.of("results_id", runId);
    while (nested != null) {
      if (nested.equals(ExportFormat.METRICS)) {
        metrics(p, "RESULTS_METRIC", parent, "results_metrics", null);
      } else {
        artifacts(p, "RESULTS_ARTIFACT", parent, "results_artifacts", null);
      }
      nested = nextNested(p, allowed, "results");
    }
  }

  private void metrics(
      JsonParser p, String linkTable, Map<String, Object> parent, String linkKind, String alsoKind)
      throws IOException, SQLException {
    array(p, "metrics");
    linkedHere.clear();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      object(p, "metric");
      long sourceId;
      if (p.nextToken() == JsonToken.FIELD_NAME && p.currentName().equals(ExportFormat.REF)) {
        sourceId = ref(p, "metric", metricsSeen);
        digest.element(ExportFormat.TAG_METRIC_REF);
        digest.value(sourceId);
      } else {
        digest.element(ExportFormat.TAG_METRIC);
        sourceId = metric(p) - offsets.get("metric");
      }
      link(
          p,
          linkTable,
          parent,
          "metric_id",
          sourceId + offsets.get("metric"),
          linkKind,
          alsoKind,
          "metric",
          sourceId);
    }
  }

  /**
   * A metric definition; the parser is on its first field (or the end of an empty object). Returns
   * the metric's new id.
   */
  private long metric(JsonParser p) throws IOException, SQLException {
    Object[] v = new Object[metricFields.size()];
    java.util.Arrays.fill(v, ABSENT);
    int perLabel = indexOf(metricFields, ExportFormat.PER_LABEL);
    boolean sawPerLabel = false;
    for (JsonToken t = p.currentToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      if (t != JsonToken.FIELD_NAME) {
        throw invalid(p, name, "expected a field name in a metric");
      }
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (h.version == ExportFormat.FORMAT_VERSION_1
          && (field.equals(ExportFormat.PER_LABEL) || field.equals(ExportFormat.PER_LABEL_RAW))) {
        if (sawPerLabel) {
          throw invalid(p, name, "a metric has both per_label_val and per_label_val_raw");
        }
        sawPerLabel = true;
        v[perLabel] = perLabel(p, field, value);
        if (v[perLabel] instanceof JsonText j) {
          digest.raw(j.digested());
        } else {
          digest.value(v[perLabel]);
        }
        continue;
      }
      int i = indexOf(metricFields, field);
      if (i < 0) {
        if (ignorableLaterField(p, field, metricFields, value)) {
          continue;
        }
        throw unknownField(p, field, metricFields, "metric");
      }
      v[i] = value(p, "METRIC", metricFields.get(i), value);
    }
    long newId = newId(p, "metric", v, metricFields, metricsSeen);
    row(p, "METRIC", metricFields, v, Map.of(), "metric");
    count("metrics");
    return newId;
  }

  private Object perLabel(JsonParser p, String field, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (field.equals(ExportFormat.PER_LABEL_RAW)) {
      if (value != JsonToken.VALUE_STRING) {
        throw invalid(p, name, "per_label_val_raw must be a string");
      }
      return p.getText();
    }
    if (value != JsonToken.START_OBJECT && value != JsonToken.START_ARRAY) {
      throw invalid(
          p,
          name,
          "per_label_val must be a JSON object, an array or null (other text goes in"
              + " per_label_val_raw)");
    }
    compact.setLength(0);
    pendingDigest.reset();
    JsonCopy.copyStructure(p, compact, pendingDigest);
    return new JsonText(compact.toString(), pendingDigest.take());
  }

  private void artifacts(
      JsonParser p, String linkTable, Map<String, Object> parent, String linkKind, String alsoKind)
      throws IOException, SQLException {
    array(p, "artifacts");
    linkedHere.clear();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      object(p, "artifact");
      long sourceId;
      if (p.nextToken() == JsonToken.FIELD_NAME && p.currentName().equals(ExportFormat.REF)) {
        sourceId = ref(p, "artifact", artifactsSeen);
        digest.element(ExportFormat.TAG_ARTIFACT_REF);
        digest.value(sourceId);
      } else {
        digest.element(ExportFormat.TAG_ARTIFACT);
        Object[] v = new Object[artifactFields.size()];
        String nested = scalarsFrom(p, artifactFields, v, Set.of(), "artifact");
        if (nested != null) {
          throw invalid(p, name, "unexpected '" + nested + "' in an artifact");
        }
        sourceId = newId(p, "artifact", v, artifactFields, artifactsSeen) - offsets.get("artifact");
        row(p, "ARTIFACT", artifactFields, v, Map.of(), "artifact");
        count("artifacts");
      }
      link(
          p,
          linkTable,
          parent,
          "artifact_id",
          sourceId + offsets.get("artifact"),
          linkKind,
          alsoKind,
          "artifact",
          sourceId);
    }
  }

  /** {@code {"ref": id}}: the parser is on the field name; leaves it on the closing brace. */
  private long ref(JsonParser p, String kind, LongBitSet seen) throws IOException {
    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
      throw invalid(p, name, "a " + kind + " ref must be an integer id");
    }
    long id = p.getLongValue();
    if (p.nextToken() != JsonToken.END_OBJECT) {
      throw invalid(p, name, "a " + kind + " ref has no other fields");
    }
    if (!seen.contains(id)) {
      throw invalid(
          p, name, "ref to " + kind + " " + id + ", which is not defined earlier in the document");
    }
    return id;
  }

  private void link(
      JsonParser p,
      String linkTable,
      Map<String, Object> parent,
      String childColumn,
      long childId,
      String linkKind,
      String alsoKind,
      String kind,
      long sourceId)
      throws SQLException {
    if (!linkedHere.add(sourceId)) {
      throw invalid(p, name, kind + " " + sourceId + " is linked twice to the same parent");
    }
    ImportWriter.Insert insert = inserts.get(linkTable);
    if (insert == null) {
      throw invalid(
          p, name, "a link of " + linkTable + ", which " + db.identity() + " does not have");
    }
    Object[] row = new Object[insert.columns.size()];
    for (int i = 0; i < row.length; i++) {
      String col = insert.columns.get(i);
      row[i] = col.equalsIgnoreCase(childColumn) ? (Object) childId : parent.get(lower(col));
    }
    insert.add(row);
    count(linkKind);
    if (alsoKind != null) {
      count(alsoKind);
    }
  }

  // -------------------------------------------------------------- fields

  /**
   * Reads an element's column fields up to its first nested collection; returns that collection's
   * name (the parser on its value) or null at the end of the object.
   */
  private String scalars(
      JsonParser p, List<Column> fields, Object[] values, Set<String> nested, String what)
      throws IOException {
    p.nextToken();
    return scalarsFrom(p, fields, values, nested, what);
  }

  private String scalarsFrom(
      JsonParser p, List<Column> fields, Object[] values, Set<String> nested, String what)
      throws IOException {
    java.util.Arrays.fill(values, ABSENT);
    missing = false;
    for (JsonToken t = p.currentToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      if (t != JsonToken.FIELD_NAME) {
        throw invalid(p, name, "expected a field name in " + what);
      }
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (nested.contains(field)) {
        return field;
      }
      if (field.equals(ExportFormat.MISSING) && h.version > 1 && MAY_BE_MISSING.contains(what)) {
        if (value != JsonToken.VALUE_TRUE) {
          throw invalid(p, name, "'missing' can only be true");
        }
        missing = true;
        continue;
      }
      int i = indexOf(fields, field);
      if (i < 0) {
        if (ignorableLaterField(p, field, fields, value)) {
          continue;
        }
        throw unknownField(p, field, fields, what);
      }
      values[i] = value(p, tableOf.get(fields), fields.get(i), value);
    }
    return null;
  }

  /** Whether the element just read was marked {@code "missing": true}. */
  private boolean missing;

  /** Where field values are digested: the document's digest, or one held back a moment. */
  private ContentDigest sink = digest;

  /** After a nested collection: the next one, or null at the end of the object. */
  private String nextNested(JsonParser p, Set<String> nested, String what) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.END_OBJECT) {
      return null;
    }
    if (t != JsonToken.FIELD_NAME) {
      throw invalid(p, name, "expected a field name in " + what);
    }
    String field = p.currentName();
    p.nextToken();
    if (!nested.contains(field)) {
      if (fieldsOf(what).stream().noneMatch(col -> col.name().equals(field))) {
        throw unknownField(p, field, fieldsOf(what), what);
      }
      throw invalid(
          p,
          name,
          "'"
              + field
              + "' in "
              + what
              + " comes after its nested lists; fields must come before "
              + String.join(", ", nested));
    }
    return field;
  }

  private List<Column> fieldsOf(String what) {
    return switch (what) {
      case "trial" -> trialFields;
      case "trial run" -> runFields;
      case "epoch" -> epochFields;
      default -> resultsFields;
    };
  }

  /**
   * A field's value for the target, digested as the document holds it. Version 1 documents carry
   * values of the model's types; later ones values as the source stored them.
   */
  private Object value(JsonParser p, String table, Column column, JsonToken t) throws IOException {
    if (h.version == ExportFormat.FORMAT_VERSION_1) {
      Object v = ModelValues.read(p, name, d, column, t);
      if (v instanceof JsonText j) {
        sink.raw(j.digested());
      } else {
        sink.value(v);
      }
      return v;
    }
    return storedValue(p, table, column, t);
  }

  /**
   * A value of a version 2 document: numbers and text as the source stored them. Into the source's
   * engine they go back as they are; otherwise times are converted to the target's form, a double
   * into a single-precision FLOAT only when the float keeps it, and JSON columns take only JSON:
   * anything that would change is refused naming the field.
   */
  private Object storedValue(JsonParser p, String table, Column column, JsonToken t)
      throws IOException {
    String field = column.name();
    Catalog.ColumnInfo target = targetColumns.get(lower(table + "." + field));
    boolean floatColumn = target != null && target.isSinglePrecision(d.engine());
    boolean numeric = column.type() == ColumnType.DOUBLE || floatColumn;
    boolean time =
        column.type() == ColumnType.TIMESTAMP
            || (target != null && target.isServerTime(d.engine()));
    try {
      switch (t) {
        case VALUE_NULL -> {
          sink.value(null);
          return null;
        }
        case VALUE_NUMBER_INT -> {
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw invalid(p, name, "'" + field + "' is out of range: " + p.getText());
          }
          long v = p.getLongValue();
          sink.value(v);
          if (time && !sameEngine()) {
            throw invalid(p, name, "'" + field + "' must be a time string, got " + v);
          }
          return floatColumn ? (Object) Values.forFloat(v) : (numeric ? (Object) (double) v : v);
        }
        case VALUE_NUMBER_FLOAT -> {
          double v = p.getDoubleValue();
          sink.value(v);
          if (column.type() == ColumnType.ID || column.type() == ColumnType.INT) {
            throw invalid(p, name, "'" + field + "' must be an integer, got " + p.getText());
          }
          return floatColumn ? Values.forFloat(v) : v;
        }
        case VALUE_STRING -> {
          String text = p.getText();
          if (column.type() == ColumnType.ID || column.type() == ColumnType.INT) {
            throw invalid(
                p,
                name,
                "'" + field + "' must be an integer, got the string \"" + abbreviate(text) + "\"");
          }
          if (numeric && NON_FINITE.containsKey(text)) {
            double v = NON_FINITE.get(text);
            sink.value(v);
            if (!d.storesNonFiniteDoubles()) {
              throw invalid(
                  p,
                  name,
                  "'"
                      + field
                      + "' is "
                      + text
                      + ", which "
                      + d.engine().label()
                      + " cannot store in a number column (set it to null in the source first)");
            }
            return v;
          }
          sink.value(text);
          if (numeric && !(sameEngine() && d.typesValuesDynamically())) {
            throw invalid(
                p,
                name,
                "'" + field + "' must be a number, got the string \"" + abbreviate(text) + "\"");
          }
          if (time) {
            return Values.time(text, sourceEngine(), timeTarget(target));
          }
          if (target != null && target.json() && !Values.isJson(text)) {
            throw invalid(
                p,
                name,
                "'"
                    + field
                    + "' is not JSON, and "
                    + table
                    + "."
                    + field
                    + " of the target is a JSON column: '"
                    + abbreviate(text)
                    + "'");
          }
          return text;
        }
        default ->
            throw invalid(
                p,
                name,
                "'"
                    + field
                    + "' must be a number, a string or null, got "
                    + ModelValues.describe(p, t));
      }
    } catch (Values.Unstorable e) {
      throw invalid(
          p, name, "'" + field + "' cannot be stored in " + db.identity() + ": " + e.getMessage());
    }
  }

  private io.expmgr.db.Engine sourceEngine() {
    return io.expmgr.db.Engine.ofRecorded(h.sourceEngine);
  }

  private Values.TimeTarget timeTarget(Catalog.ColumnInfo target) {
    return new Values.TimeTarget(
        d.engine(), timeStyle, target == null ? 6 : target.fractionDigits());
  }

  /**
   * A column of a later schema version than the target's, holding only its default (null, or {@code
   * '{}'} for {@code METRIC.metadata}): nothing is lost by leaving it out, so a 2.x export of data
   * that does not use 2.x imports into a 1.0 database. It is digested like any value.
   */
  private boolean ignorableLaterField(
      JsonParser p, String field, List<Column> fields, JsonToken value) throws IOException {
    for (Schema later : Schema.versions()) {
      for (Table t : later.tables()) {
        var col = t.column(field);
        if (col.isEmpty() || !fields.stream().allMatch(f -> t.column(f.name()).isPresent())) {
          continue;
        }
        boolean isDefault =
            value == JsonToken.VALUE_NULL
                || (value == JsonToken.VALUE_STRING
                    && col.get().defaultText() != null
                    && col.get().defaultText().equals(p.getText()));
        if (isDefault) {
          sink.value(value == JsonToken.VALUE_NULL ? null : p.getText());
          return true;
        }
      }
    }
    return false;
  }

  private InvalidInputException unknownField(
      JsonParser p, String field, List<Column> fields, String what) {
    for (Schema later : Schema.versions()) {
      boolean known =
          later.tables().stream()
              .anyMatch(
                  t ->
                      t.column(field).isPresent()
                          && fields.stream().allMatch(f -> t.column(f.name()).isPresent()));
      if (known
          && io.expmgr.schema.SchemaMigrator.compareVersions(later.version(), schema.version())
              > 0) {
        return invalid(
            p,
            name,
            "'"
                + field
                + "' in "
                + what
                + " needs schema "
                + later.version()
                + " but the target has "
                + schema.version()
                + ": run 'expmgr schema upgrade --to "
                + later.version()
                + "' on it first");
      }
    }
    return invalid(
        p,
        name,
        "unknown field '"
            + field
            + "' in "
            + what
            + " (the target's schema "
            + schema.version()
            + " has "
            + String.join(", ", fields.stream().map(Column::name).toList())
            + ")");
  }

  /** Maps the element's source id to its new id, checking range and uniqueness. */
  private long newId(JsonParser p, String kind, Object[] v, List<Column> fields, LongBitSet seen) {
    int i = indexOf(fields, "id");
    Long sourceId = (Long) v[i];
    if (sourceId == null) {
      throw invalid(p, name, "a " + kind.replace('_', ' ') + " has no id");
    }
    long[] r = h.ranges.get(kind);
    if (r == null || sourceId < r[0] || sourceId > r[1]) {
      throw invalid(
          p,
          name,
          kind.replace('_', ' ')
              + " id "
              + sourceId
              + " is outside metadata.id_ranges."
              + kind
              + (r == null ? " (none declared)" : " [" + r[0] + ", " + r[1] + "]"));
    }
    if (!seen.add(sourceId)) {
      throw invalid(
          p, name, kind.replace('_', ' ') + " " + sourceId + " is defined twice in the document");
    }
    long newId = sourceId + offsets.get(kind);
    return newId;
  }

  /**
   * Queues an element's row: {@code v} holds its fields (source id still in it); {@code keys} the
   * parent columns. A field the element did not give takes the column's default (null, or the
   * model's default text); a required one without a default is refused.
   */
  private void row(
      JsonParser p,
      String table,
      List<Column> fields,
      Object[] v,
      Map<String, ?> keys,
      String what) {
    ImportWriter.Insert insert = inserts.get(table);
    int[] pos = insert.fieldPositions(fields);
    Object[] row = new Object[pos.length];
    for (int i = 0; i < row.length; i++) {
      String col = insert.columns.get(i);
      if (keys.containsKey(col)) {
        row[i] = keys.get(col);
        continue;
      }
      if (pos[i] < 0) {
        continue;
      }
      Column field = fields.get(pos[i]);
      Object value = v[pos[i]];
      if (value == ABSENT) {
        value = field.nullable() ? null : field.defaultText();
      }
      if (value == null && !field.nullable()) {
        throw invalid(p, name, "'" + field.name() + "' is missing in " + what);
      }
      if (i == insert.idColumn) {
        value = table.equals("EXPERIMENT") ? experimentId : (Long) value + insert.offset(offsets);
      }
      if (value instanceof JsonText j) {
        value = j.text();
      } else if (value instanceof java.time.LocalDateTime t && d.storesTimesAsText()) {
        value = timeStyle.format(t);
      }
      row[i] = value;
    }
    insert.add(row);
  }

  private void object(JsonParser p, String what) {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw invalid(p, name, "expected " + what + " to be an object");
    }
  }

  private void array(JsonParser p, String what) {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw invalid(p, name, "'" + what + "' must be an array");
    }
  }

  private void count(String kind) throws SQLException {
    counts[ExportFormat.COUNT_KINDS.indexOf(kind)]++;
    rows++;
    if (++pending >= BATCH_ROWS) {
      flush();
    }
    if (rows >= nextReport) {
      nextReport = rows + PROGRESS_EVERY;
      progress.onProgress(rows, h.total());
    }
  }

  private void flush() throws SQLException {
    List<Map.Entry<ImportWriter.Insert, List<Object[]>>> batch = new ArrayList<>();
    for (ImportWriter.Insert i : inserts.values()) {
      List<Object[]> rows = i.take();
      if (!rows.isEmpty()) {
        batch.add(Map.entry(i, rows));
      }
    }
    pending = 0;
    if (!batch.isEmpty()) {
      writer.submit(batch);
    }
  }

  /** A field the element did not give. */
  private static final Object ABSENT = new Object();

  /** The elements that may stand for links to a row that does not exist. */
  private static final Set<String> MAY_BE_MISSING = Set.of("epoch", "batch", "results");

  private static final Map<String, Double> NON_FINITE =
      Map.of(
          "NaN", Double.NaN,
          "Infinity", Double.POSITIVE_INFINITY,
          "-Infinity", Double.NEGATIVE_INFINITY);

  private static String lower(String s) {
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  private static int indexOf(List<Column> fields, String name) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Per-label JSON in compact form, kept apart from plain text for the checksum. */
  private record JsonText(String text, byte[] digested) {
    @Override
    public String toString() {
      return text;
    }
  }
}
