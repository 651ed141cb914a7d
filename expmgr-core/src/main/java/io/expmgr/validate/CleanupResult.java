package io.expmgr.validate;

import io.expmgr.snapshot.SnapshotInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link OrphanCleaner} removed, or would remove in a dry run.
 *
 * @param database password-free identity
 * @param dryRun true when nothing was changed
 * @param deleted rows removed per table (tables with none are left out)
 * @param sample the first rows removed per table, column to value
 * @param passes how many rounds it took until no row was left without its parent
 * @param safetySnapshot the snapshot taken before, or null (dry run, nothing to remove)
 * @param durationMillis wall time
 */
public record CleanupResult(
    String database,
    boolean dryRun,
    Map<String, Long> deleted,
    Map<String, List<Map<String, Object>>> sample,
    int passes,
    SnapshotInfo safetySnapshot,
    long durationMillis) {

  public CleanupResult {
    deleted = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(deleted));
    sample = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sample));
  }

  public long totalDeleted() {
    return deleted.values().stream().mapToLong(Long::longValue).sum();
  }

  public CleanupResult withSnapshot(SnapshotInfo snapshot) {
    return new CleanupResult(database, dryRun, deleted, sample, passes, snapshot, durationMillis);
  }
}
