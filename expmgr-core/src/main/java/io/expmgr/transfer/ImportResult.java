package io.expmgr.transfer;

import java.time.Duration;
import java.util.Map;

/**
 * What an import wrote.
 *
 * @param experimentId the id of the new experiment in the target
 * @param sourceIdentity the database the document was exported from
 * @param sourceExperimentId the experiment's id there
 * @param counts rows written per kind (equal to the document's declared counts)
 * @param contentSha256 the document's content checksum, verified
 * @param elapsed wall time
 */
public record ImportResult(
    long experimentId,
    String sourceIdentity,
    long sourceExperimentId,
    Map<String, Long> counts,
    String contentSha256,
    Duration elapsed) {
  public ImportResult {
    counts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counts));
  }

  /** All rows written, of every kind. */
  public long totalRows() {
    return ExportFormat.totalRows(counts);
  }
}
