package io.expmgr.schema;

/**
 * Schema 2.0: {@code METRIC.metadata} (JSON text, {@code '{}'} for existing rows), index on type.
 */
public final class V2_0__Metric_metadata extends StepMigration {
  public V2_0__Metric_metadata() {
    super("1.0", "2.0");
  }
}
