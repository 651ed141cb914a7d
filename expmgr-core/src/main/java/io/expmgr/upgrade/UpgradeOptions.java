package io.expmgr.upgrade;

/**
 * What {@code schema upgrade} does.
 *
 * @param toVersion the version to reach; null for the newest this build knows
 * @param dryRun print the statements and checks, change nothing
 * @param noSnapshot skip the snapshot (and with it the trial on a copy and the automatic restore)
 * @param noTrial skip the trial on a copy (for an account that may not create the scratch database
 *     it needs); the snapshot and the automatic restore stay
 */
public record UpgradeOptions(
    String toVersion, boolean dryRun, boolean noSnapshot, boolean noTrial) {
  public UpgradeOptions(String toVersion, boolean dryRun, boolean noSnapshot) {
    this(toVersion, dryRun, noSnapshot, false);
  }
}
