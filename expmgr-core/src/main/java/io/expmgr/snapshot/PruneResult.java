package io.expmgr.snapshot;

import java.util.List;
import java.util.Map;

/**
 * What a prune kept (with the reasons) and removed.
 *
 * @param kept snapshots kept, newest first, each with why: {@code last 1}, {@code daily 3}, {@code
 *     tag milestone}, {@code damaged}
 * @param removed snapshots removed (or that would be, in a dry run)
 * @param dryRun true when nothing was removed
 */
public record PruneResult(
    Map<SnapshotInfo, List<String>> kept, List<SnapshotInfo> removed, boolean dryRun) {}
