package io.expmgr.transfer;

import com.fasterxml.jackson.core.JsonGenerator;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Catalog;
import io.expmgr.db.Catalog.ColumnInfo;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.db.Values;
import io.expmgr.internal.LongBitSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writing of one export document: the experiment's rows, read in one consistent transaction,
 * streamed into the JSON generator section by section.
 */
final class ExportWriter {
  private static final Logger log = LoggerFactory.getLogger(ExportWriter.class);

  private final Database db;
  private final Schema schema;
  private final Catalog catalog;
  private final Dialect d;

  private static final int PROGRESS_EVERY = 8192;

  private final JsonGenerator gen;
  private final ExportOptions options;
  private final ProgressListener progress;
  final ContentDigest digest = new ContentDigest();
  private final long[] counts = new long[ExportFormat.COUNT_KINDS.size()];
  private final long[][] ranges = new long[ExportFormat.ID_KINDS.size()][];
  private final LongBitSet metricsSeen = new LongBitSet();
  private final LongBitSet artifactsSeen = new LongBitSet();
  long dangling;
  private long rows;
  private long nextReport = PROGRESS_EVERY;

  private final List<ColumnInfo> experimentFields;
  private final List<ColumnInfo> trialFields;
  private final List<ColumnInfo> runFields;
  private final List<ColumnInfo> epochFields;
  private final List<ColumnInfo> resultsFields;
  private final List<ColumnInfo> metricFields;
  private final List<ColumnInfo> artifactFields;
  private final List<ColumnInfo> batchFields;

  ExportWriter(
      Database db,
      Schema schema,
      Catalog catalog,
      Dialect d,
      JsonGenerator gen,
      ExportOptions options,
      ProgressListener progress) {
    this.db = db;
    this.schema = schema;
    this.catalog = catalog;
    this.d = d;
    this.experimentFields = fields("EXPERIMENT");
    this.trialFields = fields("TRIAL");
    this.runFields = fields("TRIAL_RUN");
    this.epochFields = fields("EPOCH");
    this.resultsFields = fields("RESULTS");
    this.metricFields = fields("METRIC");
    this.artifactFields = fields("ARTIFACT");
    this.batchFields = schema.hasBatches() ? fields("BATCH") : List.of();
    this.gen = gen;
    this.options = options;
    this.progress = progress;
  }

  private List<ColumnInfo> fields(String table) {
    return ExportFormat.fields(schema, catalog, table);
  }

  void experiment(Connection c, long experimentId) throws SQLException, IOException {
    Object[] exp;
    try (PreparedStatement ps =
        c.prepareStatement(
            select("x", experimentFields) + " FROM " + t("EXPERIMENT") + " x WHERE x.id = ?")) {
      ps.setLong(1, experimentId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new NotFoundException(
              "experiment " + experimentId + " does not exist in " + db.identity());
        }
        exp = read(rs, 1, experimentFields);
      }
    }
    gen.writeFieldName(ExportFormat.EXPERIMENT);
    gen.writeStartObject();
    fields(experimentFields, exp, ExportFormat.TAG_EXPERIMENT, "EXPERIMENT");
    gen.writeEndObject();
    count("experiments");
    if (options.includeArtifacts()) {
      gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
      for (Object[] a : artifactsOf(c, "EXPERIMENT_ARTIFACT", "experiment_id", experimentId)) {
        artifact(a, "experiment_artifacts");
      }
      gen.writeEndArray();
    }
    if (schema.find("EXPERIMENT_TAG").isPresent()) {
      gen.writeArrayFieldStart(ExportFormat.EXPERIMENT_TAGS);
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT tag_name FROM "
                  + t("EXPERIMENT_TAG")
                  + " WHERE experiment_id = ? ORDER BY tag_name")) {
        ps.setLong(1, experimentId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String tag = rs.getString(1);
            gen.writeString(tag);
            digest.element(ExportFormat.TAG_EXPERIMENT_TAG);
            digest.value(tag);
            count("experiment_tags");
          }
        }
      }
      gen.writeEndArray();
    }
    // The skeleton (trials, runs, trial artifacts) is small and read first; everything at and
    // below the runs then comes in one query, sorted as the document nests it.
    List<Object[]> trials =
        list(
            c,
            select("x", trialFields)
                + " FROM "
                + t("TRIAL")
                + " x WHERE x.experiment_id = ? ORDER BY x.id",
            experimentId,
            trialFields);
    Map<Long, List<Object[]>> runsOf = new LinkedHashMap<>();
    for (Object[] r : list(c, runsSql(), experimentId, withTrial(runFields))) {
      runsOf
          .computeIfAbsent((Long) r[0], k -> new ArrayList<>())
          .add(Arrays.copyOfRange(r, 1, r.length));
    }
    Map<Long, List<Object[]>> trialArtifacts = new LinkedHashMap<>();
    if (options.includeArtifacts()) {
      for (Object[] a : trialArtifacts(c, experimentId)) {
        trialArtifacts
            .computeIfAbsent((Long) a[0], k -> new ArrayList<>())
            .add(Arrays.copyOfRange(a, 1, a.length));
      }
    }
    gen.writeArrayFieldStart(ExportFormat.TRIALS);
    try (Items items = new Items(c, experimentId)) {
      int trialId_ = idIndex(trialFields);
      for (Object[] trial : trials) {
        long trialId = (Long) trial[trialId_];
        range(0, trialId);
        gen.writeStartObject();
        fields(trialFields, trial, ExportFormat.TAG_TRIAL, "TRIAL");
        count("trials");
        if (options.includeArtifacts()) {
          gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
          for (Object[] a : trialArtifacts.getOrDefault(trialId, List.of())) {
            artifact(a, "trial_artifacts");
          }
          gen.writeEndArray();
        }
        gen.writeArrayFieldStart(ExportFormat.TRIAL_RUNS);
        for (Object[] run : runsOf.getOrDefault(trialId, List.of())) {
          run(items, trialId, run);
        }
        gen.writeEndArray();
        gen.writeEndObject();
      }
    }
    gen.writeEndArray();
    progress.onProgress(rows, -1);
  }

  private int idIndex(List<ColumnInfo> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).name().equalsIgnoreCase("id")) {
        return i;
      }
    }
    throw new IllegalStateException("no id column");
  }

  private List<ColumnInfo> withTrial(List<ColumnInfo> fields) {
    List<ColumnInfo> out = new ArrayList<>();
    out.add(new ColumnInfo("trial_id", "BIGINT", false, null, 0, false));
    out.addAll(fields);
    return out;
  }

  private String runsSql() {
    return "SELECT x.trial_id, "
        + columns("x", runFields)
        + " FROM "
        + t("TRIAL_RUN")
        + " x WHERE x.trial_id IN (SELECT id FROM "
        + t("TRIAL")
        + " WHERE experiment_id = ?) ORDER BY x.trial_id, x.id";
  }

  private List<Object[]> trialArtifacts(Connection c, long experimentId) throws SQLException {
    String sql =
        "SELECT l.trial_id, l.artifact_id, "
            + columns("a", artifactFields)
            + " FROM "
            + t("TRIAL_ARTIFACT")
            + " l LEFT JOIN "
            + t("ARTIFACT")
            + " a ON a.id = l.artifact_id WHERE l.trial_id IN (SELECT id FROM "
            + t("TRIAL")
            + " WHERE experiment_id = ?) ORDER BY l.trial_id, l.artifact_id";
    List<ColumnInfo> cols = new ArrayList<>();
    cols.add(new ColumnInfo("trial_id", "BIGINT", false, null, 0, false));
    cols.add(new ColumnInfo("artifact_id", "BIGINT", false, null, 0, false));
    cols.addAll(artifactFields);
    return list(c, sql, experimentId, cols);
  }

  /** The artifacts linked to one parent: link id, then the artifact's fields (null if missing). */
  private List<Object[]> artifactsOf(Connection c, String linkTable, String parentColumn, long id)
      throws SQLException {
    String sql =
        "SELECT l.artifact_id, "
            + columns("a", artifactFields)
            + " FROM "
            + t(linkTable)
            + " l LEFT JOIN "
            + t("ARTIFACT")
            + " a ON a.id = l.artifact_id WHERE l."
            + d.quote(parentColumn)
            + " = ? ORDER BY l.artifact_id";
    List<ColumnInfo> cols = new ArrayList<>();
    cols.add(new ColumnInfo("artifact_id", "BIGINT", false, null, 0, false));
    cols.addAll(artifactFields);
    return list(c, sql, id, cols);
  }

  private void run(Items items, long trialId, Object[] run) throws SQLException, IOException {
    long runId = (Long) run[idIndex(runFields)];
    range(1, runId);
    gen.writeStartObject();
    fields(runFields, run, ExportFormat.TAG_RUN, "TRIAL_RUN");
    count("trial_runs");
    items.seek(trialId, runId);
    if (options.includeArtifacts()) {
      gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
      while (items.at(trialId, runId, Items.RUN_ARTIFACT)) {
        artifact(items.artifact(), "trial_run_artifacts");
        items.next();
      }
      gen.writeEndArray();
    }
    gen.writeArrayFieldStart(ExportFormat.EPOCHS);
    while (items.at(trialId, runId, Items.EPOCH)) {
      epoch(items, trialId, runId);
    }
    gen.writeEndArray();
    results(items, trialId, runId);
    gen.writeEndObject();
  }

  /** One epoch: its row (or the mark of a missing one), its links, its batches. */
  private void epoch(Items items, long trialId, long runId) throws SQLException, IOException {
    long idx = items.epoch();
    boolean missing = !items.isEpochRow();
    gen.writeStartObject();
    if (!missing) {
      fields(epochFields, items.epochRow(), ExportFormat.TAG_EPOCH, "EPOCH");
      count("epochs");
      items.next();
    } else {
      missing(ExportFormat.TAG_MISSING_EPOCH, idx);
    }
    if (options.includeMetrics()) {
      gen.writeArrayFieldStart(ExportFormat.METRICS);
      while (items.inEpoch(trialId, runId, idx, Items.METRIC)) {
        metric(items.metric(), "epoch_metrics", missing ? "links_to_missing_epochs" : null);
        items.next();
      }
      gen.writeEndArray();
    }
    if (options.includeArtifacts()) {
      gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
      while (items.inEpoch(trialId, runId, idx, Items.ARTIFACT)) {
        artifact(items.artifact(), "epoch_artifacts", missing ? "links_to_missing_epochs" : null);
        items.next();
      }
      gen.writeEndArray();
    }
    if (schema.hasBatches()) {
      gen.writeArrayFieldStart(ExportFormat.BATCHES);
      while (items.inEpoch(trialId, runId, idx, Items.BATCH)) {
        batch(items, trialId, runId, idx);
      }
      gen.writeEndArray();
    }
    gen.writeEndObject();
  }

  private void batch(Items items, long trialId, long runId, long epoch)
      throws SQLException, IOException {
    long batch = items.batch();
    gen.writeStartObject();
    boolean missing = items.part() != Items.ROW;
    if (!missing) {
      fields(batchFields, items.batchRow(), ExportFormat.TAG_BATCH, "BATCH");
      count("batches");
      items.next();
    } else {
      missing(ExportFormat.TAG_MISSING_BATCH, batch);
    }
    if (options.includeMetrics()) {
      gen.writeArrayFieldStart(ExportFormat.METRICS);
      while (items.inBatch(trialId, runId, epoch, batch, Items.METRIC)) {
        metric(items.metric(), "batch_metrics", missing ? "links_to_missing_batches" : null);
        items.next();
      }
      gen.writeEndArray();
    }
    if (options.includeArtifacts()) {
      gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
      while (items.inBatch(trialId, runId, epoch, batch, Items.ARTIFACT)) {
        artifact(items.artifact(), "batch_artifacts", missing ? "links_to_missing_batches" : null);
        items.next();
      }
      gen.writeEndArray();
    }
    gen.writeEndObject();
  }

  /** The element of an epoch or batch without a row: its index and the mark. */
  private void missing(byte tag, long idx) throws IOException {
    gen.writeNumberField("idx", idx);
    gen.writeBooleanField(ExportFormat.MISSING, true);
    digest.element(tag);
    digest.value(idx);
  }

  private void results(Items items, long trialId, long runId) throws SQLException, IOException {
    gen.writeFieldName(ExportFormat.RESULTS);
    if (!items.at(trialId, runId, Items.RESULTS)) {
      gen.writeNull();
      digest.element(ExportFormat.TAG_NO_RESULTS);
      return;
    }
    gen.writeStartObject();
    boolean row = items.part() == Items.ROW;
    if (row) {
      fields(resultsFields, items.resultsRow(), ExportFormat.TAG_RESULTS, "RESULTS");
      count("results");
      items.next();
    } else {
      // Links of results whose RESULTS row is missing: kept, like links to a missing epoch.
      gen.writeBooleanField(ExportFormat.MISSING, true);
      digest.element(ExportFormat.TAG_MISSING_RESULTS);
    }
    if (options.includeMetrics()) {
      gen.writeArrayFieldStart(ExportFormat.METRICS);
      while (items.at(trialId, runId, Items.RESULTS) && items.part() == Items.METRIC) {
        metric(items.metric(), "results_metrics", null);
        items.next();
      }
      gen.writeEndArray();
    }
    if (options.includeArtifacts()) {
      gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
      while (items.at(trialId, runId, Items.RESULTS) && items.part() == Items.ARTIFACT) {
        artifact(items.artifact(), "results_artifacts");
        items.next();
      }
      gen.writeEndArray();
    }
    gen.writeEndObject();
  }

  private void metric(Object[] link, String linkKind, String alsoKind) throws IOException {
    member(link, linkKind, alsoKind, true);
  }

  private void artifact(Object[] link, String linkKind) throws IOException {
    member(link, linkKind, null, false);
  }

  private void artifact(Object[] link, String linkKind, String alsoKind) throws IOException {
    member(link, linkKind, alsoKind, false);
  }

  /**
   * One link to a metric or an artifact: the row in full the first time, a reference after. A link
   * whose row is missing cannot be written (validate reports it) and is counted as dangling.
   */
  private void member(Object[] link, String linkKind, String alsoKind, boolean isMetric)
      throws IOException {
    long id = (Long) link[0];
    if (link[1] == null) {
      dangling++;
      return;
    }
    count(linkKind);
    if (alsoKind != null) {
      count(alsoKind);
    }
    gen.writeStartObject();
    if (!(isMetric ? metricsSeen : artifactsSeen).add(id)) {
      gen.writeNumberField(ExportFormat.REF, id);
      gen.writeEndObject();
      digest.element(isMetric ? ExportFormat.TAG_METRIC_REF : ExportFormat.TAG_ARTIFACT_REF);
      digest.value(id);
      return;
    }
    range(isMetric ? 2 : 3, id);
    count(isMetric ? "metrics" : "artifacts");
    fields(
        isMetric ? metricFields : artifactFields,
        Arrays.copyOfRange(link, 1, link.length),
        isMetric ? ExportFormat.TAG_METRIC : ExportFormat.TAG_ARTIFACT,
        isMetric ? "METRIC" : "ARTIFACT");
    gen.writeEndObject();
  }

  private void fields(List<ColumnInfo> columns, Object[] row, byte tag, String table)
      throws IOException {
    digest.element(tag);
    for (int i = 0; i < columns.size(); i++) {
      field(columns.get(i), row[i], table);
    }
  }

  /**
   * A value as stored: numbers as JSON numbers, text (times and per-label JSON included) as JSON
   * strings, exactly.
   */
  private void field(ColumnInfo column, Object v, String table) throws IOException {
    gen.writeFieldName(column.name());
    if (v == null) {
      gen.writeNull();
      digest.value(null);
    } else if (v instanceof Long l) {
      gen.writeNumber(l);
      digest.value(l);
    } else if (v instanceof Double x) {
      writeDouble(x);
      digest.value(x);
    } else if (v instanceof java.math.BigDecimal b) {
      gen.writeNumber(b);
      digest.value(b.doubleValue());
    } else if (v instanceof byte[]) {
      throw new io.expmgr.InvalidInputException(
          table
              + "."
              + column.name()
              + " holds binary data, which an export cannot carry; take a snapshot instead");
    } else {
      gen.writeString(v.toString());
      digest.value(v.toString());
    }
  }

  private void writeDouble(double v) throws IOException {
    if (Double.isFinite(v)) {
      gen.writeNumber(v);
    } else {
      // JSON has no NaN or infinities: the importer reads these strings back as doubles.
      gen.writeString(Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }
  }

  private Object[] read(ResultSet rs, int first, List<ColumnInfo> columns) throws SQLException {
    Object[] row = new Object[columns.size()];
    for (int i = 0; i < row.length; i++) {
      row[i] = Values.read(rs, first + i, columns.get(i), db.engine());
    }
    return row;
  }

  private List<Object[]> list(Connection c, String sql, long id, List<ColumnInfo> columns)
      throws SQLException {
    List<Object[]> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs, 1, columns));
        }
      }
    }
    return out;
  }

  private void count(String kind) {
    counts[ExportFormat.COUNT_KINDS.indexOf(kind)]++;
    if (++rows >= nextReport) {
      nextReport = rows + PROGRESS_EVERY;
      progress.onProgress(rows, -1);
    }
  }

  private void range(int kind, long id) {
    long[] r = ranges[kind];
    if (r == null) {
      ranges[kind] = new long[] {id, id};
    } else {
      r[0] = Math.min(r[0], id);
      r[1] = Math.max(r[1], id);
    }
  }

  Map<String, Long> countMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < counts.length; i++) {
      m.put(ExportFormat.COUNT_KINDS.get(i), counts[i]);
    }
    return m;
  }

  Map<String, List<Long>> idRanges() {
    Map<String, List<Long>> m = new LinkedHashMap<>();
    for (int i = 0; i < ranges.length; i++) {
      if (ranges[i] != null) {
        m.put(ExportFormat.ID_KINDS.get(i), List.of(ranges[i][0], ranges[i][1]));
      }
    }
    return m;
  }

  /**
   * Everything of an experiment at and below its runs, in one query sorted as the document nests
   * it: per run, its artifacts, then per epoch its row, its metric and artifact links and its
   * batches (each with its row and links), then its results and their links. One pass over each
   * table whatever its indexes (users' databases have none on a run's epochs), and one open cursor
   * (MySQL streams one result per connection).
   */
  private final class Items implements AutoCloseable {
    static final int RUN_ARTIFACT = 0;
    static final int EPOCH = 1;
    static final int RESULTS = 2;
    static final int ROW = 0;
    static final int METRIC = 1;
    static final int ARTIFACT = 2;
    static final int BATCH = 3;

    // Columns: trial, run, section, epoch, sub, batch, part, id, then the payload groups.
    private static final int HEAD = 8;
    private static final int CHUNK = 1024;
    private final PreparedStatement ps;
    private final ResultSet rs;
    private final int width;
    // A thread of its own reads and decodes the rows while this one writes the document.
    private final java.util.concurrent.BlockingQueue<Object> chunks =
        new java.util.concurrent.ArrayBlockingQueue<>(8);
    private final Thread reader;
    private volatile boolean stop;
    private List<Object[]> chunk = List.of();
    private int at;
    private Object[] row;
    private final int epochAt;
    private final int batchAt;
    private final int resultsAt;
    private final int metricAt;
    private final int artifactAt;
    private boolean has;
    private long trial;
    private long run;
    private int section;
    private long epoch;
    private int sub;
    private long batch;
    private int part;
    private long id;

    Items(Connection c, long experimentId) throws SQLException {
      int width = HEAD;
      epochAt = width;
      width += epochFields.size();
      batchAt = width;
      width += batchFields.size();
      resultsAt = width;
      width += resultsFields.size();
      metricAt = width;
      width += metricFields.size();
      artifactAt = width;
      width += artifactFields.size();
      List<String> parts = new ArrayList<>();
      String runs =
          "(SELECT r.id AS run, r.trial_id AS trial FROM "
              + t("TRIAL_RUN")
              + " r WHERE r.trial_id IN (SELECT id FROM "
              + t("TRIAL")
              + " WHERE experiment_id = ?))";
      int params = 0;
      if (options.includeArtifacts()) {
        parts.add(
            part(
                runs,
                "TRIAL_RUN_ARTIFACT",
                "trial_run_id",
                null,
                null,
                RUN_ARTIFACT,
                ARTIFACT,
                null,
                "artifact_id",
                "ARTIFACT"));
        params++;
      }
      parts.add(part(runs, "EPOCH", "trial_run_id", "idx", null, EPOCH, ROW, null, null, null));
      params++;
      if (options.includeMetrics()) {
        parts.add(
            part(
                runs,
                "EPOCH_METRIC",
                "epoch_trial_run_id",
                "epoch_idx",
                null,
                EPOCH,
                METRIC,
                null,
                "metric_id",
                "METRIC"));
        params++;
      }
      if (options.includeArtifacts()) {
        parts.add(
            part(
                runs,
                "EPOCH_ARTIFACT",
                "epoch_trial_run_id",
                "epoch_idx",
                null,
                EPOCH,
                ARTIFACT,
                null,
                "artifact_id",
                "ARTIFACT"));
        params++;
      }
      if (schema.hasBatches()) {
        parts.add(
            part(runs, "BATCH", "trial_run_id", "epoch_idx", "idx", EPOCH, ROW, BATCH, null, null));
        params++;
        if (options.includeMetrics()) {
          parts.add(
              part(
                  runs,
                  "BATCH_METRIC",
                  "trial_run_id",
                  "epoch_idx",
                  "batch_idx",
                  EPOCH,
                  METRIC,
                  BATCH,
                  "metric_id",
                  "METRIC"));
          params++;
        }
        if (options.includeArtifacts()) {
          parts.add(
              part(
                  runs,
                  "BATCH_ARTIFACT",
                  "trial_run_id",
                  "epoch_idx",
                  "batch_idx",
                  EPOCH,
                  ARTIFACT,
                  BATCH,
                  "artifact_id",
                  "ARTIFACT"));
          params++;
        }
      }
      parts.add(part(runs, "RESULTS", "trial_run_id", null, null, RESULTS, ROW, null, null, null));
      params++;
      if (options.includeMetrics()) {
        parts.add(
            part(
                runs,
                "RESULTS_METRIC",
                "results_id",
                null,
                null,
                RESULTS,
                METRIC,
                null,
                "metric_id",
                "METRIC"));
        params++;
      }
      if (options.includeArtifacts()) {
        parts.add(
            part(
                runs,
                "RESULTS_ARTIFACT",
                "results_id",
                null,
                null,
                RESULTS,
                ARTIFACT,
                null,
                "artifact_id",
                "ARTIFACT"));
        params++;
      }
      String sql =
          "SELECT * FROM ("
              + String.join(" UNION ALL ", parts)
              + ") q ORDER BY q.k_trial, q.k_run, q.k_section, q.k_epoch, q.k_sub, q.k_batch,"
              + " q.k_part, q.k_id";
      log.debug("items of experiment {}: {}", experimentId, sql);
      ps = d.prepareStreaming(c, sql);
      for (int i = 1; i <= params; i++) {
        ps.setLong(i, experimentId);
      }
      rs = ps.executeQuery();
      this.width = width;
      reader = io.expmgr.internal.DaemonThreads.start("expmgr-export-reader", this::read);
      next();
    }

    private static final Object END = new Object();

    /** The reader thread: rows, decoded, in chunks; then the end, or the failure. */
    private void read() {
      try {
        List<Object[]> batch = new ArrayList<>(CHUNK);
        while (!stop && rs.next()) {
          Object[] r = new Object[width];
          for (int i = 0; i < HEAD; i++) {
            r[i] = rs.getLong(i + 1);
          }
          decode(r, HEAD, epochFields);
          decode(r, batchAt, batchFields);
          decode(r, resultsAt, resultsFields);
          decode(r, metricAt, metricFields);
          decode(r, artifactAt, artifactFields);
          batch.add(r);
          if (batch.size() == CHUNK) {
            put(batch);
            batch = new ArrayList<>(CHUNK);
          }
        }
        put(batch);
        put(END);
      } catch (SQLException | RuntimeException e) {
        put(e);
      }
    }

    private void decode(Object[] r, int first, List<ColumnInfo> fields) throws SQLException {
      for (int i = 0; i < fields.size(); i++) {
        r[first + i] = Values.read(rs, first + i + 1, fields.get(i), db.engine());
      }
    }

    private void put(Object item) {
      try {
        while (!stop && !chunks.offer(item, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          // the writer is slower: wait
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * One part of the union: rows of {@code table} of the experiment's runs, with their sort key
     * and their payload group; the others null.
     */
    private String part(
        String runs,
        String table,
        String runColumn,
        String epochColumn,
        String batchColumn,
        int section,
        int part,
        Integer sub,
        String linkColumn,
        String linked) {
      payloadColumn = 0;
      StringBuilder sb = new StringBuilder("SELECT r.trial AS k_trial, x.");
      sb.append(d.quote(runColumn)).append(" AS k_run, ").append(section).append(" AS k_section, ");
      sb.append(epochColumn == null ? "0" : "x." + d.quote(epochColumn)).append(" AS k_epoch, ");
      // Within an epoch: its row, its metrics, its artifacts, then its batches.
      sb.append(sub != null ? sub : part).append(" AS k_sub, ");
      sb.append(batchColumn == null ? "0" : "x." + d.quote(batchColumn)).append(" AS k_batch, ");
      sb.append(part).append(" AS k_part, ");
      sb.append(linkColumn == null ? "0" : "x." + d.quote(linkColumn)).append(" AS k_id");
      payload(sb, "x", table.equals("EPOCH") ? epochFields : null, epochFields);
      payload(sb, "x", table.equals("BATCH") ? batchFields : null, batchFields);
      payload(sb, "x", table.equals("RESULTS") ? resultsFields : null, resultsFields);
      payload(sb, "m", "METRIC".equals(linked) ? metricFields : null, metricFields);
      payload(sb, "m", "ARTIFACT".equals(linked) ? artifactFields : null, artifactFields);
      sb.append(" FROM ")
          .append(t(table))
          .append(" x JOIN ")
          .append(runs)
          .append(" r ON r.run = x.");
      sb.append(d.quote(runColumn));
      if (linked != null) {
        sb.append(" LEFT JOIN ")
            .append(t(linked))
            .append(" m ON m.")
            .append(d.quote("id"))
            .append(" = x.")
            .append(d.quote(linkColumn));
      }
      return sb.toString();
    }

    private void payload(
        StringBuilder sb, String alias, List<ColumnInfo> present, List<ColumnInfo> group) {
      for (ColumnInfo c : group) {
        sb.append(", ");
        sb.append(
            present == null ? d.typedNull(c.declaredType()) : alias + "." + d.quote(c.name()));
        // Every column of the union named: MySQL refuses a derived table with two alike.
        sb.append(" AS p").append(payloadColumn++);
      }
    }

    private int payloadColumn;

    @SuppressWarnings("unchecked")
    void next() throws SQLException {
      while (at == chunk.size()) {
        Object item;
        try {
          item = chunks.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SQLException("interrupted", e);
        }
        if (item == END) {
          has = false;
          chunk = List.of();
          at = 0;
          chunks.offer(END);
          return;
        }
        if (item instanceof SQLException e) {
          throw e;
        }
        if (item instanceof RuntimeException e) {
          throw e;
        }
        chunk = (List<Object[]>) item;
        at = 0;
      }
      row = chunk.get(at++);
      has = true;
      trial = (Long) row[0];
      run = (Long) row[1];
      section = ((Long) row[2]).intValue();
      epoch = (Long) row[3];
      sub = ((Long) row[4]).intValue();
      batch = (Long) row[5];
      part = ((Long) row[6]).intValue();
      id = (Long) row[7];
    }

    /** Skips items of runs the walk does not visit (runs whose trial is not the experiment's). */
    void seek(long trialId, long runId) throws SQLException {
      while (has && (trial < trialId || (trial == trialId && run < runId))) {
        next();
      }
    }

    boolean at(long trialId, long runId, int s) {
      return has && trial == trialId && run == runId && section == s;
    }

    boolean inEpoch(long trialId, long runId, long e, int s) {
      return at(trialId, runId, EPOCH) && epoch == e && sub == s;
    }

    boolean inBatch(long trialId, long runId, long e, long b, int p) {
      return inEpoch(trialId, runId, e, BATCH) && batch == b && part == p;
    }

    long epoch() {
      return epoch;
    }

    /** Whether the item is an epoch's own row (the first of an epoch that has one). */
    boolean isEpochRow() {
      return section == EPOCH && sub == ROW;
    }

    long batch() {
      return batch;
    }

    int part() {
      return sub == BATCH ? part : sub;
    }

    Object[] epochRow() {
      return Arrays.copyOfRange(row, HEAD, HEAD + epochFields.size());
    }

    Object[] batchRow() {
      return Arrays.copyOfRange(row, batchAt, batchAt + batchFields.size());
    }

    Object[] resultsRow() {
      return Arrays.copyOfRange(row, resultsAt, resultsAt + resultsFields.size());
    }

    /** The link's id, then the metric's fields (all null when the metric is missing). */
    Object[] metric() {
      Object[] out = new Object[1 + metricFields.size()];
      out[0] = id;
      System.arraycopy(row, metricAt, out, 1, metricFields.size());
      return out;
    }

    Object[] artifact() {
      Object[] out = new Object[1 + artifactFields.size()];
      out[0] = id;
      System.arraycopy(row, artifactAt, out, 1, artifactFields.size());
      return out;
    }

    @Override
    public void close() throws SQLException {
      stop = true;
      chunks.clear();
      while (reader.isAlive()) {
        try {
          reader.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        chunks.clear();
      }
      rs.close();
      ps.close();
    }
  }

  private String t(String table) {
    return d.quote(table);
  }

  private String select(String alias, List<ColumnInfo> columns) {
    return "SELECT " + columns(alias, columns);
  }

  private String columns(String alias, List<ColumnInfo> columns) {
    return columns.stream()
        .map(c -> alias + "." + d.quote(c.name()))
        .collect(Collectors.joining(", "));
  }
}
