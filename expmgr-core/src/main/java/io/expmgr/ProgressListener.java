package io.expmgr;

/**
 * Receives progress of long work. Capabilities never print; the CLI turns these calls into a
 * progress bar or log lines.
 */
@FunctionalInterface
public interface ProgressListener {
  /** Ignores progress. */
  ProgressListener NONE = (done, total) -> {};

  /**
   * Called as work advances; not more often than every few thousand items.
   *
   * @param done items finished so far
   * @param total items in all, or -1 when unknown
   */
  void onProgress(long done, long total);

  /**
   * A new step of the work starts; the counts of {@link #onProgress} that follow start again from
   * zero and are in {@code unit}.
   *
   * @param step what the work does now, e.g. {@code checking SHA-256}
   * @param unit what the counts count: {@code rows}, {@code metrics}, {@code MiB}, {@code checks}
   */
  default void onStep(String step, String unit) {}

  /** This listener, with {@code prefix} before each step's name (a safety snapshot's steps). */
  default ProgressListener within(String prefix) {
    ProgressListener outer = this;
    return new ProgressListener() {
      @Override
      public void onProgress(long done, long total) {
        outer.onProgress(done, total);
      }

      @Override
      public void onStep(String step, String unit) {
        outer.onStep(prefix + step, unit);
      }
    };
  }
}
