package io.expmgr.upgrade;

import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.validate.ValidationReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What an upgrade did.
 *
 * @param statements per version applied (or that would be, on a dry run), the SQL in order
 * @param snapshot the snapshot taken before, or null
 * @param before validation before any change, or null when none ran
 * @param after validation of the upgraded database, or null
 */
public record UpgradeResult(
    String database,
    String fromVersion,
    String toVersion,
    Outcome outcome,
    Map<String, List<String>> statements,
    SnapshotInfo snapshot,
    ValidationReport before,
    ValidationReport after,
    Duration elapsed) {

  /** How it ended. */
  public enum Outcome {
    /** Already at the version asked for. */
    UP_TO_DATE,
    /** Nothing changed: the statements are what would run. */
    DRY_RUN,
    /** Validation failed before any change; nothing changed. */
    VALIDATION_FAILED,
    /** The database is at the new version and validates. */
    UPGRADED
  }
}
