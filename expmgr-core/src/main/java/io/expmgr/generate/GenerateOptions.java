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
 * @param layout whose DDL and value forms the database gets (default {@link Layout#EXPMGR})
 * @param batches batches per epoch, each a {@code BATCH} row (default 0; any layout but {@link
 *     Layout#TRACKER}, whose tables have no batch level)
 * @param batchMetrics metrics per batch, linked through {@code BATCH_METRIC} (default 1 when there
 *     are batches)
 * @param finalEpochMetrics metrics per run linked to epoch N, one past the last epoch, which never
 *     exists: the tracker's training loop links a run's final test metrics there (default 0)
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
    int badJson,
    Layout layout,
    int batches,
    int batchMetrics,
    int finalEpochMetrics) {

  /** The layouts a database can be generated in. */
  public enum Layout {
    /** expmgr's own DDL: secondary indexes, WAL, times with six fraction digits. */
    EXPMGR("expmgr"),
    /**
     * The experiment tracker's DDL at the version that shipped the migration FAQ: no secondary
     * indexes, rollback journal, ISO times with {@code T}, a {@code SCHEMA_VERSION} table, no batch
     * level.
     */
    TRACKER("tracker"),
    /** The tracker's latest DDL: as {@link #TRACKER}, with the batch level. */
    TRACKER_BATCH("tracker-batch");

    private final String label;

    Layout(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    public boolean isTracker() {
      return this != EXPMGR;
    }

    public boolean hasBatchLevel() {
      return this != TRACKER;
    }

    /** The layout named by {@code --layout}. */
    public static Layout of(String label) {
      for (Layout l : values()) {
        if (l.label.equalsIgnoreCase(label)) {
          return l;
        }
      }
      throw new InvalidInputException(
          "--layout must be expmgr, tracker or tracker-batch, got '" + label + "'");
    }
  }

  /** A shape in expmgr's layout, without batches or final-epoch links. */
  public GenerateOptions(
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
    this(
        experiments,
        trials,
        runs,
        epochs,
        metrics,
        classes,
        artifacts,
        seed,
        legacyMetrics,
        orphans,
        badJson,
        Layout.EXPMGR,
        0,
        0,
        0);
  }

  /** The same shape in another layout, with batches and final-epoch links. */
  public GenerateOptions withLayout(
      Layout layout, int batches, int batchMetrics, int finalEpochMetrics) {
    return new GenerateOptions(
        experiments,
        trials,
        runs,
        epochs,
        metrics,
        classes,
        artifacts,
        seed,
        legacyMetrics,
        orphans,
        badJson,
        layout,
        batches,
        batchMetrics,
        finalEpochMetrics);
  }

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
    layout = layout == null ? Layout.EXPMGR : layout;
    check("--batches", batches, 0);
    check("--batch-metrics", batchMetrics, 0);
    check("--final-epoch-metrics", finalEpochMetrics, 0);
    if (batches > 0 && !layout.hasBatchLevel()) {
      throw new InvalidInputException(
          "--batches needs a layout with the batch level (expmgr or tracker-batch), not "
              + layout.label());
    }
    if (batches > 0 && epochs == 0) {
      throw new InvalidInputException("--batches needs --epochs of at least 1");
    }
    if (batches == 0 && batchMetrics > 0) {
      throw new InvalidInputException("--batch-metrics needs --batches of at least 1");
    }
    if (orphans > 0 && (epochs == 0 || metrics == 0 || artifacts == 0)) {
      throw new InvalidInputException(
          "--orphans needs --epochs, --metrics and --artifacts of at least 1 (orphans hang off them)");
    }
    long all =
        totalMetrics(
            experiments, trials, runs, epochs, metrics, batches, batchMetrics, finalEpochMetrics);
    if ((long) legacyMetrics + badJson > all) {
      throw new InvalidInputException(
          "--legacy-metrics plus --bad-json must not exceed the "
              + all
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

  private static long totalMetrics(
      int e, int t, int r, int ep, int m, int batches, int batchMetrics, int finalMetrics) {
    long perRun = (ep + 1L) * m + (long) ep * batches * batchMetrics + finalMetrics;
    return (long) e * t * r * perRun;
  }

  /** Number of METRIC rows the shape makes. */
  public long totalMetrics() {
    return totalMetrics(
        experiments, trials, runs, epochs, metrics, batches, batchMetrics, finalEpochMetrics);
  }

  /** Number of rows the shape makes in all tables, planted orphans included. */
  public long totalRows() {
    long runsTotal = (long) experiments * trials * runs;
    long epochsTotal = runsTotal * epochs;
    long artifactRows =
        ((long) experiments + (long) experiments * trials + 2 * runsTotal) * artifacts * 2;
    long epochArtifacts = epochs > 0 && artifacts > 0 ? runsTotal * 2 : 0;
    long batchRows = epochsTotal * batches;
    return experiments
        + (long) experiments * trials
        + runsTotal * 2
        + epochsTotal
        + batchRows
        + totalMetrics() * 2
        + artifactRows
        + epochArtifacts
        + orphans;
  }
}
