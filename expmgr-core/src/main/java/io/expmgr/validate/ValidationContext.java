package io.expmgr.validate;

import io.expmgr.api.DatabaseManager;
import io.expmgr.db.Database;
import java.util.OptionalLong;

/**
 * What a check may use: the database (for set-based SQL through {@link Database#withConnection}), a
 * {@link DatabaseManager} for simple parameterized queries, the experiment the run is limited to
 * (if any), and the size of samples to keep.
 */
public record ValidationContext(Database database, OptionalLong experimentId, int sampleSize) {
  /** Default number of offending rows each check keeps as a sample. */
  public static final int DEFAULT_SAMPLE_SIZE = 10;

  public ValidationContext {
    if (sampleSize < 0 || sampleSize > 10_000) {
      throw new io.expmgr.InvalidInputException(
          "sample size must be between 0 and 10000, got " + sampleSize);
    }
  }

  /** The schema model of the database's version (1.0, 2.0 ...), whose tables checks walk. */
  public io.expmgr.db.Schema schema() {
    return io.expmgr.schema.SchemaMigrator.schemaOf(database);
  }

  /** A manager over the same database; the caller closes it. */
  public DatabaseManager manager() {
    return DatabaseManager.of(database);
  }
}
