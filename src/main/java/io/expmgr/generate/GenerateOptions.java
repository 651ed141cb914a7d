package io.expmgr.generate;

import io.expmgr.InvalidInputException;

/**
 * The shape of a synthetic database. Counts are per parent: {@code trials} per experiment, {@code
 * runs} per trial, {@code epochs} per run, {@code metrics} per epoch and per results.
 *
 * @param experiments experiments to create (default 2)
 * @param trials trials per experiment (default 3)
 * @param runs runs per trial (default 2)
 * @param epochs epochs per run (default 10)
 * @param metrics metrics per epoch and per results, of rotating types starting with loss (default
 *     4)
 * @param classes labels in each per-label value (default 3)
 * @param artifacts artifacts hung on each experiment, trial, run and results (default 1)
 * @param seed makes every value reproducible (default 42)
 * @param legacyMetrics metrics whose per-label values are in a legacy form (JSON array, or keys
 *     such as {@code acc_class_0})
 * @param orphans rows whose parent is missing, spread over several tables
 * @param badJson metrics whose per-label values are malformed or not numbers
 */
public record GenerateOptions(
    int experiments,
    int trials,
    int runs,
    int epochs,
    int metrics,
    int classes,
    int artifacts,
    long seed,
    int legacyMetrics,
    int orphans,
    int badJson) {

  /** Limit on each count, to catch typos such as an extra zero before hours of work. */
  public static final int MAX_COUNT = 100_000_000;

  public GenerateOptions {
    check("--experiments", experiments, 1);
    check("--trials", trials, 1);
    check("--runs", runs, 1);
    check("--epochs", epochs, 0);
    check("--metrics", metrics, 0);
    check("--classes", classes, 1);
    check("--artifacts", artifacts, 0);
    check("--legacy-metrics", legacyMetrics, 0);
    check("--orphans", orphans, 0);
    check("--bad-json", badJson, 0);
    if (orphans > 0 && (epochs == 0 || metrics == 0 || artifacts == 0)) {
      throw new InvalidInputException(
          "--orphans needs --epochs, --metrics and --artifacts of at least 1 (orphans hang off them)");
    }
    if ((long) legacyMetrics + badJson > totalMetrics(experiments, trials, runs, epochs, metrics)) {
      throw new InvalidInputException(
          "--legacy-metrics plus --bad-json must not exceed the "
              + totalMetrics(experiments, trials, runs, epochs, metrics)
              + " metrics the shape has, got "
              + ((long) legacyMetrics + badJson));
    }
  }

  public static GenerateOptions defaults() {
    return new GenerateOptions(2, 3, 2, 10, 4, 3, 1, 42, 0, 0, 0);
  }

  private static void check(String option, int value, int min) {
    if (value < min || value > MAX_COUNT) {
      throw new InvalidInputException(
          option + " must be between " + min + " and " + MAX_COUNT + ", got " + value);
    }
  }

  private static long totalMetrics(int e, int t, int r, int ep, int m) {
    return (long) e * t * r * (ep + 1L) * m;
  }

  /** Number of METRIC rows the shape makes. */
  public long totalMetrics() {
    return totalMetrics(experiments, trials, runs, epochs, metrics);
  }

  /** Number of rows the shape makes in all tables, planted orphans included. */
  public long totalRows() {
    long runsTotal = (long) experiments * trials * runs;
    long epochsTotal = runsTotal * epochs;
    long artifactRows =
        ((long) experiments + (long) experiments * trials + 2 * runsTotal) * artifacts * 2;
    long epochArtifacts = epochs > 0 && artifacts > 0 ? runsTotal * 2 : 0;
    return experiments
        + (long) experiments * trials
        + runsTotal * 2
        + epochsTotal
        + totalMetrics() * 2
        + artifactRows
        + epochArtifacts
        + orphans;
  }
}
