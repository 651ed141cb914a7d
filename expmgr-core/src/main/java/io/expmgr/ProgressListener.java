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
}
