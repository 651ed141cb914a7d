package io.expmgr.transfer;

/**
 * What an export includes besides the experiment's structure (trials, runs, epochs, results).
 *
 * @param includeMetrics every metric of every epoch and result, with its per-label values
 * @param includeArtifacts every artifact at every level, with its links
 */
public record ExportOptions(boolean includeMetrics, boolean includeArtifacts) {
  /** The structure only (the FAQ's default without flags). */
  public static ExportOptions structureOnly() {
    return new ExportOptions(false, false);
  }

  /** Everything: metrics and artifacts. */
  public static ExportOptions all() {
    return new ExportOptions(true, true);
  }
}
