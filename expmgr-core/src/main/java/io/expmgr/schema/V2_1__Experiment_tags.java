package io.expmgr.schema;

/** Schema 2.1: {@code EXPERIMENT.tags} and the table {@code EXPERIMENT_TAG}. */
public final class V2_1__Experiment_tags extends StepMigration {
  public V2_1__Experiment_tags() {
    super("2.0", "2.1");
  }
}
