package io.expmgr.transfer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.AtomicFiles;
import io.expmgr.DataAccessException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.Version;
import io.expmgr.db.Column;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Rows;
import io.expmgr.db.Schema;
import io.expmgr.db.Times;
import io.expmgr.schema.SchemaMigrator;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one experiment as an {@link ExportFormat} document, streaming: rows go from a streamed
 * result set straight to the JSON generator, so memory holds one run's artifact list at most,
 * whatever the number of metrics. Everything is read in one consistent read transaction.
 *
 * <p>The document is written to a temporary file whose reserved {@code metadata} space is filled in
 * at the end (counts and checksum are known only then), synced, and renamed into place: a reader
 * never sees half an export.
 */
public final class ExperimentExporter {
  private static final Logger log = LoggerFactory.getLogger(ExperimentExporter.class);

  /** Bytes reserved at the top of the document for the metadata written last. */
  static final int METADATA_SPACE = 16 * 1024;

  private static final int PROGRESS_EVERY = 8192;
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();

  private final Database db;
  private final Schema schema;
  private final Dialect d;

  public ExperimentExporter(Database db) {
    this.db = db;
    this.schema = io.expmgr.schema.SchemaMigrator.schemaOf(db);
    this.d = db.dialect();
  }

  /**
   * Exports to a file, atomically: the file appears complete or not at all.
   *
   * @throws NotFoundException when the experiment does not exist
   */
  public ExportResult exportToFile(
      long experimentId, Path file, ExportOptions options, ProgressListener progress) {
    Path target = file.toAbsolutePath();
    AtomicFiles.checkWritable(target);
    Path tmp = null;
    try {
      tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".partial");
      ExportResult r = writeDocument(experimentId, tmp, options, progress);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      return withFile(r, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /**
   * Exports to a stream (standard output, a socket). The document is built in a temporary file
   * first, so a failure half-way sends nothing.
   */
  public ExportResult exportTo(
      long experimentId, OutputStream out, ExportOptions options, ProgressListener progress) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("expmgr-export-", ".json");
      ExportResult r = writeDocument(experimentId, tmp, options, progress);
      Files.copy(tmp, out);
      out.flush();
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  private ExportResult writeDocument(
      long experimentId, Path tmp, ExportOptions options, ProgressListener progress)
      throws IOException {
    long started = System.nanoTime();
    String schemaVersion = SchemaMigrator.versionOf(db);
    Writer w;
    long metadataAt;
    try (CountingStream counting =
            new CountingStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16));
        JsonGenerator gen = JSON.createGenerator(counting, JsonEncoding.UTF8)) {
      w = new Writer(gen, options, progress);
      gen.writeStartObject();
      gen.writeNumberField(ExportFormat.FORMAT_VERSION_FIELD, ExportFormat.FORMAT_VERSION);
      gen.writeFieldName(ExportFormat.METADATA);
      gen.writeRawValue(" ".repeat(METADATA_SPACE));
      gen.flush();
      // The reserved spaces are the last bytes written so far.
      metadataAt = counting.count - METADATA_SPACE;
      try (Connection c = db.connect()) {
        c.setAutoCommit(false);
        try {
          d.beginConsistentRead(c);
          w.experiment(c, experimentId);
        } finally {
          c.rollback();
        }
      } catch (SQLException e) {
        throw new DataAccessException(db.describe(e), e);
      }
      gen.writeEndObject();
      gen.writeRaw('\n');
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("export_time", LocalDateTime.now(ZoneOffset.UTC).toString() + "Z");
    metadata.put("tool_version", Version.tool());
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("engine", db.engine().name().toLowerCase(java.util.Locale.ROOT));
    source.put("identity", db.identity());
    source.put("schema_version", schemaVersion);
    metadata.put("source", source);
    metadata.put("source_experiment_id", experimentId);
    metadata.put("include_metrics", options.includeMetrics());
    metadata.put("include_artifacts", options.includeArtifacts());
    metadata.put("counts", w.countMap());
    metadata.put("id_ranges", w.idRanges());
    String sha = w.digest.hex();
    metadata.put(ExportFormat.CONTENT_SHA256, sha);
    byte[] meta = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(metadata);
    if (meta.length > METADATA_SPACE) {
      throw new IllegalStateException("export metadata is larger than " + METADATA_SPACE);
    }
    byte[] padded = new byte[METADATA_SPACE];
    Arrays.fill(padded, (byte) ' ');
    System.arraycopy(meta, 0, padded, 0, meta.length);
    long size;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(padded);
      long pos = metadataAt;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.force(true);
      size = ch.size();
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    Map<String, Long> counts = w.countMap();
    log.info(
        "exported experiment {} of {}: {} rows, {} bytes in {} ms",
        experimentId,
        db.identity(),
        ExportFormat.totalRows(counts),
        size,
        elapsed.toMillis());
    if (w.dangling > 0) {
      log.warn(
          "left out {} links to metrics or artifacts missing from {}", w.dangling, db.identity());
    }
    return new ExportResult(experimentId, null, size, counts, sha, w.dangling, elapsed);
  }

  private static ExportResult withFile(ExportResult r, Path file) {
    return new ExportResult(
        r.experimentId(),
        file,
        r.bytes(),
        r.counts(),
        r.contentSha256(),
        r.skippedDanglingLinks(),
        r.elapsed());
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a dot-named partial file is harmless
      }
    }
  }

  /** The walk over one experiment, writing as it reads. */
  private final class Writer {
    private final JsonGenerator gen;
    private final ExportOptions options;
    private final ProgressListener progress;
    final ContentDigest digest = new ContentDigest();
    private final long[] counts = new long[ExportFormat.COUNT_KINDS.size()];
    private final long[][] ranges = new long[ExportFormat.ID_KINDS.size()][];
    private final LongBitSet metricsSeen = new LongBitSet();
    private final LongBitSet artifactsSeen = new LongBitSet();
    private final StringBuilder compact = new StringBuilder(256);
    // Text that turns out not to be JSON half-way must leave no trace in the digest.
    private final ContentDigest.Pending scratch = new ContentDigest.Pending();
    long dangling;
    private long rows;
    private long nextReport = PROGRESS_EVERY;

    private final List<Column> experimentFields = ExportFormat.fields(schema, "EXPERIMENT");
    private final List<Column> trialFields = ExportFormat.fields(schema, "TRIAL");
    private final List<Column> runFields = ExportFormat.fields(schema, "TRIAL_RUN");
    private final List<Column> epochFields = ExportFormat.fields(schema, "EPOCH");
    private final int idxField = epochFields.stream().map(Column::name).toList().indexOf("idx");
    private final List<Column> resultsFields = ExportFormat.fields(schema, "RESULTS");
    private final List<Column> metricFields = ExportFormat.fields(schema, "METRIC");
    private final List<Column> artifactFields = ExportFormat.fields(schema, "ARTIFACT");

    Writer(JsonGenerator gen, ExportOptions options, ProgressListener progress) {
      this.gen = gen;
      this.options = options;
      this.progress = progress;
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
      fields(experimentFields, exp, ExportFormat.TAG_EXPERIMENT);
      gen.writeEndObject();
      count("experiments");
      if (options.includeArtifacts()) {
        artifacts(c, "EXPERIMENT_ARTIFACT", "experiment_id", experimentId, "experiment_artifacts");
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
      List<Object[]> trials =
          list(
              c,
              select("x", trialFields)
                  + " FROM "
                  + t("TRIAL")
                  + " x WHERE x.experiment_id = ? ORDER BY x.id",
              experimentId,
              trialFields);
      gen.writeArrayFieldStart(ExportFormat.TRIALS);
      try (RunQueries q = new RunQueries(c)) {
        for (Object[] trial : trials) {
          long trialId = (Long) trial[0];
          range(0, trialId);
          gen.writeStartObject();
          fields(trialFields, trial, ExportFormat.TAG_TRIAL);
          count("trials");
          if (options.includeArtifacts()) {
            artifacts(c, "TRIAL_ARTIFACT", "trial_id", trialId, "trial_artifacts");
          }
          List<Object[]> runs =
              list(
                  c,
                  select("x", runFields)
                      + " FROM "
                      + t("TRIAL_RUN")
                      + " x WHERE x.trial_id = ? ORDER BY x.id",
                  trialId,
                  runFields);
          gen.writeArrayFieldStart(ExportFormat.TRIAL_RUNS);
          for (Object[] run : runs) {
            run(c, q, run);
          }
          gen.writeEndArray();
          gen.writeEndObject();
        }
      }
      gen.writeEndArray();
      progress.onProgress(rows, -1);
    }

    private void run(Connection c, RunQueries q, Object[] run) throws SQLException, IOException {
      long runId = (Long) run[0];
      range(1, runId);
      gen.writeStartObject();
      fields(runFields, run, ExportFormat.TAG_RUN);
      count("trial_runs");
      if (options.includeArtifacts()) {
        artifacts(c, "TRIAL_RUN_ARTIFACT", "trial_run_id", runId, "trial_run_artifacts");
      }
      epochs(c, q, runId);
      results(c, q, runId);
      gen.writeEndObject();
    }

    private void epochs(Connection c, RunQueries q, long runId) throws SQLException, IOException {
      // Epoch artifacts of the run are few; hold them while the metrics stream.
      List<Object[]> epochArtifacts = new ArrayList<>();
      if (options.includeArtifacts()) {
        q.epochArtifacts.setLong(1, runId);
        try (ResultSet rs = q.epochArtifacts.executeQuery()) {
          while (rs.next()) {
            Object[] row = new Object[2 + artifactFields.size()];
            row[0] = rs.getInt(1);
            row[1] = rs.getLong(2);
            System.arraycopy(read(rs, 3, artifactFields), 0, row, 2, artifactFields.size());
            epochArtifacts.add(row);
          }
        }
      }
      int nextArtifact = 0;
      gen.writeArrayFieldStart(ExportFormat.EPOCHS);
      PreparedStatement ps = options.includeMetrics() ? q.epochMetrics : q.epochsOnly;
      ps.setLong(1, runId);
      Integer open = null;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int idx = rs.getInt(1 + idxField);
          if (open == null || open != idx) {
            Object[] epoch = read(rs, 1, epochFields);
            if (open != null) {
              nextArtifact = closeEpoch(open, epochArtifacts, nextArtifact);
            }
            // Artifacts of epochs that are not there cannot be placed: left out, counted.
            while (nextArtifact < epochArtifacts.size()
                && (Integer) epochArtifacts.get(nextArtifact)[0] < idx) {
              dangling++;
              nextArtifact++;
            }
            gen.writeStartObject();
            fields(epochFields, epoch, ExportFormat.TAG_EPOCH);
            count("epochs");
            if (options.includeMetrics()) {
              gen.writeArrayFieldStart(ExportFormat.METRICS);
            }
            open = idx;
          }
          if (options.includeMetrics()) {
            int linkCol = 1 + epochFields.size();
            long metricId = rs.getLong(linkCol);
            if (!rs.wasNull()) {
              metric(rs, linkCol + 1, metricId, "epoch_metrics");
            }
          }
        }
      }
      if (open != null) {
        nextArtifact = closeEpoch(open, epochArtifacts, nextArtifact);
      }
      dangling += epochArtifacts.size() - nextArtifact;
      gen.writeEndArray();
    }

    private int closeEpoch(int idx, List<Object[]> epochArtifacts, int next) throws IOException {
      if (options.includeMetrics()) {
        gen.writeEndArray();
      }
      if (options.includeArtifacts()) {
        gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
        while (next < epochArtifacts.size() && (Integer) epochArtifacts.get(next)[0] == idx) {
          Object[] row = epochArtifacts.get(next);
          artifact((Long) row[1], Arrays.copyOfRange(row, 2, row.length), "epoch_artifacts");
          next++;
        }
        gen.writeEndArray();
      }
      gen.writeEndObject();
      return next;
    }

    private void results(Connection c, RunQueries q, long runId) throws SQLException, IOException {
      Object[] results = null;
      q.results.setLong(1, runId);
      try (ResultSet rs = q.results.executeQuery()) {
        if (rs.next()) {
          results = read(rs, 1, resultsFields);
        }
      }
      gen.writeFieldName(ExportFormat.RESULTS);
      if (results == null) {
        gen.writeNull();
        digest.element(ExportFormat.TAG_NO_RESULTS);
        return;
      }
      gen.writeStartObject();
      fields(resultsFields, results, ExportFormat.TAG_RESULTS);
      count("results");
      if (options.includeMetrics()) {
        gen.writeArrayFieldStart(ExportFormat.METRICS);
        q.resultsMetrics.setLong(1, runId);
        try (ResultSet rs = q.resultsMetrics.executeQuery()) {
          while (rs.next()) {
            metric(rs, 2, rs.getLong(1), "results_metrics");
          }
        }
        gen.writeEndArray();
      }
      if (options.includeArtifacts()) {
        artifacts(c, "RESULTS_ARTIFACT", "results_id", runId, "results_artifacts");
      }
      gen.writeEndObject();
    }

    /** One metric link: the metric in full the first time, a reference after. */
    private void metric(ResultSet rs, int firstColumn, long metricId, String linkKind)
        throws SQLException, IOException {
      rs.getLong(firstColumn);
      if (rs.wasNull()) {
        dangling++;
        return;
      }
      count(linkKind);
      if (!metricsSeen.add(metricId)) {
        gen.writeStartObject();
        gen.writeNumberField(ExportFormat.REF, metricId);
        gen.writeEndObject();
        digest.element(ExportFormat.TAG_METRIC_REF);
        digest.value(metricId);
        return;
      }
      range(2, metricId);
      count("metrics");
      gen.writeStartObject();
      digest.element(ExportFormat.TAG_METRIC);
      int col = firstColumn;
      for (Column f : metricFields) {
        if (f.name().equals(ExportFormat.PER_LABEL)) {
          perLabel(rs.getString(col));
        } else {
          Object v = Rows.read(rs, col, f.type(), d);
          field(f, v);
          digest.value(v);
        }
        col++;
      }
      gen.writeEndObject();
    }

    /**
     * Embeds per-label JSON as JSON (numbers stay numbers, written with their exact digits), in
     * compact form; text that is not an object or array goes verbatim to {@code per_label_val_raw}.
     */
    private void perLabel(String text) throws IOException {
      if (text == null) {
        gen.writeNullField(ExportFormat.PER_LABEL);
        digest.value(null);
        return;
      }
      if (CompactJson.digestIfCompact(text, scratch)) {
        gen.writeFieldName(ExportFormat.PER_LABEL);
        gen.writeRawValue(text);
        scratch.drainInto(digest);
      } else if (compact(text)) {
        gen.writeFieldName(ExportFormat.PER_LABEL);
        gen.writeRawValue(compact.toString());
        scratch.drainInto(digest);
      } else {
        gen.writeStringField(ExportFormat.PER_LABEL_RAW, text);
        digest.value(text);
      }
    }

    private boolean compact(String text) throws IOException {
      compact.setLength(0);
      try (JsonParser p = JSON.createParser(text)) {
        JsonToken first = p.nextToken();
        if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
          return false;
        }
        scratch.reset();
        JsonCopy.copyStructure(p, compact, scratch);
        return p.nextToken() == null;
      } catch (JsonProcessingException e) {
        return false;
      }
    }

    private void artifacts(
        Connection c, String linkTable, String parentColumn, long parentId, String linkKind)
        throws SQLException, IOException {
      gen.writeArrayFieldStart(ExportFormat.ARTIFACTS);
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT l.artifact_id, "
                  + columns("a", artifactFields)
                  + " FROM "
                  + t(linkTable)
                  + " l LEFT JOIN "
                  + t("ARTIFACT")
                  + " a ON a.id = l.artifact_id WHERE l."
                  + d.quote(parentColumn)
                  + " = ? ORDER BY l.artifact_id")) {
        ps.setLong(1, parentId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long artifactId = rs.getLong(1);
            artifact(artifactId, read(rs, 2, artifactFields), linkKind);
          }
        }
      }
      gen.writeEndArray();
    }

    private void artifact(long artifactId, Object[] row, String linkKind) throws IOException {
      if (row[0] == null) {
        dangling++;
        return;
      }
      count(linkKind);
      if (!artifactsSeen.add(artifactId)) {
        gen.writeStartObject();
        gen.writeNumberField(ExportFormat.REF, artifactId);
        gen.writeEndObject();
        digest.element(ExportFormat.TAG_ARTIFACT_REF);
        digest.value(artifactId);
        return;
      }
      range(3, artifactId);
      count("artifacts");
      gen.writeStartObject();
      fields(artifactFields, row, ExportFormat.TAG_ARTIFACT);
      gen.writeEndObject();
    }

    private void fields(List<Column> columns, Object[] row, byte tag) throws IOException {
      digest.element(tag);
      for (int i = 0; i < columns.size(); i++) {
        field(columns.get(i), row[i]);
        digest.value(row[i]);
      }
    }

    private void field(Column column, Object v) throws IOException {
      gen.writeFieldName(column.name());
      if (v == null) {
        gen.writeNull();
        return;
      }
      switch (column.type()) {
        case ID -> gen.writeNumber((Long) v);
        case INT -> gen.writeNumber((Integer) v);
        case DOUBLE -> writeDouble((Double) v);
        case TIMESTAMP -> gen.writeString(Times.format((LocalDateTime) v));
        default -> gen.writeString((String) v);
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

    private Object[] read(ResultSet rs, int first, List<Column> columns) throws SQLException {
      Object[] row = new Object[columns.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = Rows.read(rs, first + i, columns.get(i).type(), d);
      }
      return row;
    }

    private List<Object[]> list(Connection c, String sql, long id, List<Column> columns)
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

    /** The statements run once per trial run, prepared once. */
    private final class RunQueries implements AutoCloseable {
      final PreparedStatement epochsOnly;
      final PreparedStatement epochMetrics;
      final PreparedStatement epochArtifacts;
      final PreparedStatement results;
      final PreparedStatement resultsMetrics;

      RunQueries(Connection c) throws SQLException {
        epochsOnly =
            c.prepareStatement(
                select("e", epochFields)
                    + " FROM "
                    + t("EPOCH")
                    + " e WHERE e.trial_run_id = ? ORDER BY e.idx");
        epochMetrics =
            d.prepareStreaming(
                c,
                select("e", epochFields)
                    + ", l.metric_id, "
                    + columns("m", metricFields)
                    + " FROM "
                    + t("EPOCH")
                    + " e LEFT JOIN "
                    + t("EPOCH_METRIC")
                    + " l ON l.epoch_trial_run_id = e.trial_run_id AND l.epoch_idx = e.idx"
                    + " LEFT JOIN "
                    + t("METRIC")
                    + " m ON m.id = l.metric_id"
                    + " WHERE e.trial_run_id = ? ORDER BY e.idx, l.metric_id");
        epochArtifacts =
            c.prepareStatement(
                "SELECT l.epoch_idx, l.artifact_id, "
                    + columns("a", artifactFields)
                    + " FROM "
                    + t("EPOCH_ARTIFACT")
                    + " l LEFT JOIN "
                    + t("ARTIFACT")
                    + " a ON a.id = l.artifact_id"
                    + " WHERE l.epoch_trial_run_id = ? ORDER BY l.epoch_idx, l.artifact_id");
        results =
            c.prepareStatement(
                select("r", resultsFields)
                    + " FROM "
                    + t("RESULTS")
                    + " r WHERE r.trial_run_id = ?");
        resultsMetrics =
            d.prepareStreaming(
                c,
                "SELECT l.metric_id, "
                    + columns("m", metricFields)
                    + " FROM "
                    + t("RESULTS_METRIC")
                    + " l LEFT JOIN "
                    + t("METRIC")
                    + " m ON m.id = l.metric_id WHERE l.results_id = ? ORDER BY l.metric_id");
      }

      @Override
      public void close() throws SQLException {
        for (PreparedStatement ps :
            List.of(epochsOnly, epochMetrics, epochArtifacts, results, resultsMetrics)) {
          ps.close();
        }
      }
    }
  }

  private String t(String table) {
    return d.quote(table);
  }

  private String select(String alias, List<Column> columns) {
    return "SELECT " + columns(alias, columns);
  }

  private String columns(String alias, List<Column> columns) {
    return columns.stream()
        .map(c -> alias + "." + d.quote(c.name()))
        .collect(Collectors.joining(", "));
  }

  /** Counts bytes on their way to the file, to know where the metadata space starts. */
  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
