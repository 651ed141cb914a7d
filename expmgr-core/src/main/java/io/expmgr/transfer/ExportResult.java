package io.expmgr.transfer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What an export wrote.
 *
 * @param experimentId the exported experiment
 * @param file the document, or null when it went to a stream
 * @param bytes size of the document
 * @param counts rows per kind, as in the document's {@code metadata.counts}
 * @param contentSha256 the document's content checksum
 * @param skippedDanglingLinks links whose metric or artifact row is missing in the source (left
 *     out; {@code validate} reports them)
 * @param elapsed wall time
 */
public record ExportResult(
    long experimentId,
    Path file,
    long bytes,
    Map<String, Long> counts,
    String contentSha256,
    long skippedDanglingLinks,
    Duration elapsed) {
  public ExportResult {
    counts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counts));
  }

  /** All rows written, of every kind. */
  public long totalRows() {
    return ExportFormat.totalRows(counts);
  }
}
