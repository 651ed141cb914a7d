package io.expmgr.transfer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.DataAccessException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.Version;
import io.expmgr.db.Catalog;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.internal.AtomicFiles;
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
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
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

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();

  private final Database db;
  private final Schema schema;
  private final Catalog catalog;
  private final Dialect d;

  public ExperimentExporter(Database db) {
    this.db = db;
    this.schema = io.expmgr.schema.SchemaMigrator.schemaOf(db);
    this.catalog = Catalog.read(db);
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
      tmp = AtomicFiles.sibling(target, ".partial");
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
    ExportWriter w;
    long metadataAt;
    try (CountingStream counting =
            new CountingStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16));
        JsonGenerator gen = JSON.createGenerator(counting, JsonEncoding.UTF8)) {
      w = new ExportWriter(db, schema, catalog, d, gen, options, progress);
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
