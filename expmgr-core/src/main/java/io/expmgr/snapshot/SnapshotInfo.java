package io.expmgr.snapshot;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * One snapshot as its manifest describes it.
 *
 * @param id {@code YYYYMMDD_HHMMSS}, with a suffix when two land in the same second
 * @param createdAt when it was taken
 * @param description free text given at creation
 * @param tags labels given at creation (retention keeps tagged snapshots)
 * @param sourceEngine engine of the database it was taken from
 * @param sourceIdentity password-free identity of that database
 * @param schemaVersion schema version of that database
 * @param rowCounts rows per table in the snapshot
 * @param sizeBytes size of its data files
 * @param format how it holds its data: {@code sqlite} or {@code tsv}
 * @param path its folder
 * @param problem null for a readable snapshot, else why it cannot be trusted (damaged manifest,
 *     missing data file); such entries are listed, never hidden
 */
public record SnapshotInfo(
    String id,
    OffsetDateTime createdAt,
    String description,
    List<String> tags,
    String sourceEngine,
    String sourceIdentity,
    String schemaVersion,
    Map<String, Long> rowCounts,
    long sizeBytes,
    String format,
    Path path,
    String problem) {

  public SnapshotInfo {
    tags = tags == null ? List.of() : List.copyOf(tags);
    rowCounts =
        rowCounts == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rowCounts));
  }

  public boolean isDamaged() {
    return problem != null;
  }

  public long totalRows() {
    return rowCounts.values().stream().mapToLong(Long::longValue).sum();
  }
}
