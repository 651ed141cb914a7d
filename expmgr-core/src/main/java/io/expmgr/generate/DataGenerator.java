package io.expmgr.generate;

import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.db.Sql;
import io.expmgr.db.Table;
import io.expmgr.schema.SchemaMigrator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a database with a synthetic experiment hierarchy of a given shape, reproducible for a seed,
 * optionally with planted problems (legacy metrics, orphans, bad JSON) for the validator and the
 * migration engine to find and fix.
 *
 * <p>Rows go in through one prepared statement per table, in JDBC batches, committed every {@value
 * #COMMIT_EVERY} rows. Ids are assigned here, after the highest id already present, so the same
 * seed gives the same values whatever the database.
 */
public final class DataGenerator {
  private static final Logger log = LoggerFactory.getLogger(DataGenerator.class);

  /** Metric types, in the order each epoch records them. */
  public static final List<String> METRIC_TYPES =
      List.of("loss", "accuracy", "f1_score", "precision", "recall", "auc");

  private static final int BATCH = 1_000;
  private static final int COMMIT_EVERY = 100_000;
  private static final long MISSING_PARENT_BASE = 2_000_000_000L;
  private static final String[] BAD_KINDS = {
    "invalid_json", "not_object", "string_value", "nested_value", "non_finite"
  };
  private static final String[] JSON_BAD_KINDS = {"not_object", "string_value", "nested_value"};
  private static final String[] ORPHAN_TABLES = {
    "TRIAL",
    "TRIAL_RUN",
    "EPOCH",
    "RESULTS",
    "EPOCH_METRIC",
    "RESULTS_METRIC",
    "TRIAL_ARTIFACT",
    "EXPERIMENT_ARTIFACT"
  };
  private static final LocalDateTime BASE_TIME = LocalDateTime.of(2024, 1, 1, 0, 0);

  /** The tables that planted orphans rotate over when the database has batches. */
  private static final String[] BATCH_ORPHAN_TABLES = {"BATCH", "BATCH_METRIC"};

  private final Database db;
  private final Dialect d;
  private final Schema schema;

  /** A generator into a database that has the schema already (its batch level or not). */
  public DataGenerator(Database db) {
    this.db = db;
    this.d = db.dialect();
    this.schema = SchemaMigrator.schemaOf(db);
  }

  /**
   * Writes the shape into the database, which must have the schema already.
   *
   * @param bulk true when nothing else uses the database meanwhile (a file being built under a
   *     temporary name): enables the dialect's bulk-load settings
   */
  public GenerateResult generate(GenerateOptions o, boolean bulk, ProgressListener progress) {
    long started = System.nanoTime();
    try (Connection c = db.connect()) {
      // Building a fresh SQLite file: secondary indexes are built once at the end from sorted
      // data, which is cheaper than maintaining them row by row.
      boolean deferIndexes = bulk && d.buildsIndexesAfterBulkLoad();
      if (bulk) {
        d.tuneForBulkLoad(c);
      }
      if (o.batches() > 0 && !schema.hasBatches()) {
        throw new InvalidInputException(
            db.identity() + " has no batch level (no BATCH table): --batches cannot be written");
      }
      List<String> rebuild = List.of();
      if (deferIndexes) {
        rebuild = io.expmgr.db.Indexes.dropSecondary(db, c, schema.tableNames());
      } else {
        // Planted orphans must be writable where the engine enforces keys.
        d.suspendForeignKeyChecks(c);
      }
      c.setAutoCommit(false);
      Run run = new Run(c, o, progress);
      try {
        run.writeAll();
        run.flushAll();
        Dialect.execute(c, rebuild.toArray(String[]::new));
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        run.close();
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      GenerateResult result =
          new GenerateResult(
              db.identity(),
              run.experimentIds,
              run.rows,
              run.orphans,
              run.legacy,
              run.bad,
              elapsed);
      log.info(
          "generated {} rows in {} ms into {} (seed {})",
          result.totalRows(),
          elapsed.toMillis(),
          db.identity(),
          o.seed());
      return result;
    } catch (SQLException e) {
      throw new DataAccessException(db.describe(e), e);
    }
  }

  /** One generation: the open statements, id counters and tallies. */
  private final class Run {
    private final Connection c;
    private final GenerateOptions o;
    private final ProgressListener progress;
    private final SplittableRandom random;
    private final Map<String, Sink> sinks = new HashMap<>();
    private final List<Sink> sinkOrder = new ArrayList<>();
    private final Map<String, Long> rows = new LinkedHashMap<>();
    private final Map<String, Long> orphans = new LinkedHashMap<>();
    private final Map<String, Long> legacy = new LinkedHashMap<>();
    private final Map<String, Long> bad = new LinkedHashMap<>();
    private final List<Long> experimentIds = new ArrayList<>();
    private final Sink metricSink;
    private final Sink epochMetricSink;
    private final long total;
    private final long specialStride;
    private final boolean jsonColumn;
    private long written;
    private long sinceCommit;
    private long nextExperiment;
    private long nextTrial;
    private long nextRun;
    private long nextMetric;
    private long nextArtifact;
    private long metricOrdinal;

    Run(Connection c, GenerateOptions o, ProgressListener progress) throws SQLException {
      this.c = c;
      this.o = o;
      this.progress = progress;
      this.random = new SplittableRandom(o.seed());
      this.total = o.totalRows();
      long special = (long) o.legacyMetrics() + o.badJson();
      this.specialStride = special == 0 ? 0 : Math.max(1, o.totalMetrics() / special);
      this.jsonColumn =
          d.hasJsonType()
              && io.expmgr.db.Catalog.read(db, c)
                  .table("METRIC")
                  .flatMap(m -> m.column("per_label_val"))
                  .map(io.expmgr.db.Catalog.ColumnInfo::json)
                  .orElse(false);
      for (Table t : schema.tables()) {
        Sink sink = new Sink(t);
        sinks.put(t.name(), sink);
        sinkOrder.add(sink);
      }
      metricSink = sinks.get("METRIC");
      epochMetricSink = sinks.get("EPOCH_METRIC");
      nextExperiment = maxId("EXPERIMENT") + 1;
      nextTrial = maxId("TRIAL") + 1;
      nextRun = maxId("TRIAL_RUN") + 1;
      nextMetric = maxId("METRIC") + 1;
      nextArtifact = maxId("ARTIFACT") + 1;
    }

    private long maxId(String table) throws SQLException {
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT max(" + d.quote("id") + ") FROM " + d.quote(table))) {
        rs.next();
        return rs.getLong(1);
      }
    }

    void writeAll() throws SQLException {
      for (int e = 0; e < o.experiments(); e++) {
        long expId = nextExperiment++;
        experimentIds.add(expId);
        LocalDateTime expStart = BASE_TIME.plusDays(e).plusNanos(micros(86_400_000_000L) * 1000);
        row(
            "EXPERIMENT",
            expId,
            "Experiment " + (e + 1) + " (seed " + o.seed() + ")",
            "Synthetic experiment " + (e + 1) + ": " + o.trials() + " trials",
            expStart,
            expStart.plusHours(6));
        artifacts("EXPERIMENT_ARTIFACT", expId, "config", "experiments/" + expId);
        for (int t = 0; t < o.trials(); t++) {
          long trialId = nextTrial++;
          LocalDateTime trialStart = expStart.plusNanos(micros(3_600_000_000L) * 1000);
          row("TRIAL", trialId, "trial-" + (t + 1), expId, trialStart, trialStart.plusMinutes(30));
          artifacts("TRIAL_ARTIFACT", trialId, "hyperparameters", "trials/" + trialId);
          for (int r = 0; r < o.runs(); r++) {
            writeRun(trialId, trialStart.plusNanos(micros(600_000_000L) * 1000));
          }
        }
      }
      plantOrphans();
    }

    private void writeRun(long trialId, LocalDateTime start) throws SQLException {
      long runId = nextRun++;
      row(
          "TRIAL_RUN",
          runId,
          trialId,
          o.layout().isTracker() ? "completed" : "COMPLETED",
          start,
          start.plusSeconds(o.epochs() * 60L + 60));
      artifacts("TRIAL_RUN_ARTIFACT", runId, "log", "runs/" + runId + "/log");
      for (int idx = 0; idx < o.epochs(); idx++) {
        LocalDateTime epochTime =
            start.plusSeconds(60L * (idx + 1)).plusNanos(micros(1_000_000L) * 1000);
        row("EPOCH", idx, runId, epochTime);
        for (int b = 0; b < o.batches(); b++) {
          row("BATCH", b, idx, runId, epochTime.minusSeconds(o.batches() - b));
          for (int m = 0; m < o.batchMetrics(); m++) {
            row("BATCH_METRIC", b, idx, runId, metric("batch_loss", 0, idx));
          }
        }
        for (int m = 0; m < o.metrics(); m++) {
          long metricId = metric(m, idx);
          row(epochMetricSink, idx, runId, metricId);
        }
      }
      // The tracker's final test metrics: linked to epoch N, one past the last, which never exists.
      for (int m = 0; m < o.finalEpochMetrics(); m++) {
        String type = m == 0 ? "test_loss" : m == 1 ? "test_acc" : "test_metric_" + m;
        row(epochMetricSink, o.epochs(), runId, metric(type, m, o.epochs()));
      }
      if (o.epochs() > 0 && o.artifacts() > 0) {
        long a = nextArtifact++;
        row("ARTIFACT", a, "checkpoint", "runs/" + runId + "/epoch-" + (o.epochs() - 1) + ".pt");
        row("EPOCH_ARTIFACT", o.epochs() - 1, runId, a);
      }
      row("RESULTS", runId, start.plusSeconds(o.epochs() * 60L + 60));
      for (int m = 0; m < o.metrics(); m++) {
        row("RESULTS_METRIC", runId, metric(m, o.epochs()));
      }
      artifacts("RESULTS_ARTIFACT", runId, "model", "runs/" + runId + "/model.bin");
    }

    private long metric(int typeIndex, int epoch) throws SQLException {
      String type =
          typeIndex < METRIC_TYPES.size() ? METRIC_TYPES.get(typeIndex) : "metric_" + typeIndex;
      return metric(type, typeIndex, epoch);
    }

    private long metric(String type, int typeIndex, int epoch) throws SQLException {
      long id = nextMetric++;
      double totalVal =
          typeIndex == 0 ? Math.round(2_000_000.0 / (epoch + 1)) / 1e6 + value() : value();
      String perLabel = perLabel(type);
      row(metricSink, id, type, totalVal, perLabel);
      return id;
    }

    private String perLabel(String type) {
      long ordinal = metricOrdinal++;
      if (specialStride > 0 && ordinal % specialStride == 0) {
        long k = ordinal / specialStride;
        if (k < o.legacyMetrics()) {
          return legacyValue(type, k);
        }
        if (k < (long) o.legacyMetrics() + o.badJson()) {
          return badValue(k - o.legacyMetrics());
        }
      }
      // The tracker writes json.dumps(): ", " and ": " between items, Python's float repr.
      boolean python = o.layout().isTracker();
      StringBuilder sb = new StringBuilder(16 + 30 * o.classes()).append('{');
      for (int i = 0; i < o.classes(); i++) {
        if (i > 0) {
          sb.append(python ? ", " : ",");
        }
        sb.append("\"class_").append(i).append(python ? "\": " : "\":");
        appendValue(sb, python);
      }
      return sb.append('}').toString();
    }

    private String legacyValue(String type, long k) {
      StringBuilder sb = new StringBuilder();
      if (k % 2 == 0) {
        tally(legacy, "array");
        sb.append('[');
        for (int i = 0; i < o.classes(); i++) {
          sb.append(i > 0 ? "," : "").append(random.nextDouble());
        }
        return sb.append(']').toString();
      }
      tally(legacy, "prefixed_keys");
      String prefix = type.length() > 3 ? type.substring(0, 3) : type;
      sb.append('{');
      for (int i = 0; i < o.classes(); i++) {
        sb.append(i > 0 ? "," : "")
            .append('"')
            .append(prefix)
            .append("_class_")
            .append(i)
            .append("\":")
            .append(random.nextDouble());
      }
      return sb.append('}').toString();
    }

    private String badValue(long k) {
      // A JSON column (the tracker's MySQL DDL) refuses text that is not JSON: plant the kinds
      // that are JSON but not per-label values.
      String[] kinds = jsonColumn ? JSON_BAD_KINDS : BAD_KINDS;
      String kind = kinds[(int) (k % kinds.length)];
      tally(bad, kind);
      return switch (kind) {
        case "invalid_json" -> "{\"class_0\": 0.5,";
        case "not_object" -> "0.5";
        case "string_value" -> "{\"class_0\": \"high\"}";
        case "nested_value" -> "{\"class_0\": {\"value\": 0.5}}";
        default -> "{\"class_0\": NaN}";
      };
    }

    private void artifacts(String linkTable, long parentId, String type, String loc)
        throws SQLException {
      for (int i = 0; i < o.artifacts(); i++) {
        long a = nextArtifact++;
        row("ARTIFACT", a, type, "s3://bucket/" + loc + "/" + type + "-" + i);
        row(linkTable, parentId, a);
      }
    }

    private void plantOrphans() throws SQLException {
      String[] tables = ORPHAN_TABLES;
      if (o.batches() > 0) {
        tables = java.util.Arrays.copyOf(ORPHAN_TABLES, ORPHAN_TABLES.length + 2);
        System.arraycopy(BATCH_ORPHAN_TABLES, 0, tables, ORPHAN_TABLES.length, 2);
      }
      for (int k = 0; k < o.orphans(); k++) {
        String table = tables[k % tables.length];
        long missing = MISSING_PARENT_BASE + k;
        LocalDateTime t = BASE_TIME.plusSeconds(k);
        switch (table) {
          case "TRIAL" -> row(table, nextTrial++, "orphan-trial-" + k, missing, t, t);
          case "TRIAL_RUN" -> row(table, nextRun++, missing, "FAILED", t, t);
          case "EPOCH" -> row(table, 0, missing, t);
          case "RESULTS" -> row(table, missing, t);
          // Existing epoch (0 of the first run), missing metric.
          case "EPOCH_METRIC" -> row(table, 0, firstRunId(), missing);
          case "RESULTS_METRIC" -> row(table, missing, firstMetricId());
          case "TRIAL_ARTIFACT" -> row(table, missing, firstArtifactId());
          // A batch of an epoch that does not exist (of a run that does).
          case "BATCH" -> row(table, 0, (int) (1_000_000 + k), firstRunId(), t);
          // A link to a batch that does not exist, of an existing metric.
          case "BATCH_METRIC" -> row(table, 1_000_000 + k, 0, firstRunId(), firstMetricId());
          default -> row(table, experimentIds.get(0), missing);
        }
        tally(orphans, table);
      }
    }

    private long firstRunId() {
      return nextRun - (long) o.experiments() * o.trials() * o.runs();
    }

    private long firstMetricId() {
      return nextMetric - o.totalMetrics();
    }

    private long firstArtifactId() {
      return nextArtifact - 1;
    }

    private void row(String table, Object... values) throws SQLException {
      row(sinks.get(table), values);
    }

    private void row(Sink sink, Object... values) throws SQLException {
      PreparedStatement ps = sink.statement();
      for (int i = 0; i < values.length; i++) {
        Object v = values[i];
        if (v instanceof LocalDateTime time) {
          if (o.layout().isTracker()) {
            d.setTrackerTime(ps, i + 1, time);
          } else {
            d.setTime(ps, i + 1, time);
          }
        } else if (v instanceof Long l) {
          ps.setLong(i + 1, l);
        } else if (v instanceof Integer n) {
          ps.setInt(i + 1, n);
        } else if (v instanceof Double x) {
          ps.setDouble(i + 1, x);
        } else {
          ps.setString(i + 1, (String) v);
        }
      }
      ps.addBatch();
      sink.rows++;
      if (++sink.pending >= BATCH) {
        // Parents are flushed before children so that a reader with foreign keys on never sees
        // a child first; the model lists tables parents first.
        flushAll();
      }
      written++;
      if (++sinceCommit >= COMMIT_EVERY) {
        flushAll();
        c.commit();
        sinceCommit = 0;
        progress.onProgress(written, total);
      }
    }

    void flushAll() throws SQLException {
      for (Sink sink : sinkOrder) {
        if (sink.pending > 0) {
          sink.ps.executeBatch();
          sink.pending = 0;
        }
      }
    }

    void close() throws SQLException {
      for (Sink sink : sinkOrder) {
        rows.put(sink.table.name(), sink.rows);
        if (sink.ps != null) {
          sink.ps.close();
        }
      }
      progress.onProgress(written, total);
    }

    /** One table's insert statement and counters. */
    private final class Sink {
      final Table table;
      PreparedStatement ps;
      int pending;
      long rows;

      Sink(Table table) {
        this.table = table;
      }

      PreparedStatement statement() throws SQLException {
        if (ps == null) {
          ps = c.prepareStatement(Sql.insert(table, d));
        }
        return ps;
      }
    }

    /**
     * A value in [0, 1) with six decimals. Written by hand: Java 17's Double.toString dominated
     * generation time, and k / 1e6 prints back as exactly these six digits.
     */
    private double value() {
      return random.nextInt(1_000_000) / 1e6;
    }

    private void appendValue(StringBuilder sb, boolean python) {
      int k = random.nextInt(1_000_000);
      if (python) {
        sb.append(pythonRepr(k));
        return;
      }
      sb.append("0.");
      for (int div = 100_000; div > 0; div /= 10) {
        sb.append((char) ('0' + (k / div) % 10));
      }
    }

    private long micros(long bound) {
      return random.nextLong(bound);
    }
  }

  /**
   * {@code k / 1e6} as Python's {@code repr} writes the float (what {@code json.dumps} writes): the
   * shortest digits, {@code 0.0} for zero, and the exponent form below 1e-4 ({@code 5e-06}).
   */
  static String pythonRepr(int k) {
    if (k == 0) {
      return "0.0";
    }
    if (k >= 100) {
      StringBuilder sb = new StringBuilder(8).append("0.");
      String digits = String.format("%06d", k).replaceAll("0+$", "");
      return sb.append(digits).toString();
    }
    String digits = Integer.toString(k).replaceAll("0+$", "");
    int exponent = k >= 10 ? 5 : 6;
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return mantissa + "e-0" + exponent;
  }

  private static void tally(Map<String, Long> map, String key) {
    map.merge(key, 1L, Long::sum);
  }

  /**
   * Generates into the database named by {@code config}. A SQLite file that does not exist yet is
   * built under a temporary name in the same folder and renamed when complete, so the target name
   * only ever holds a whole database. Other databases get the schema if they have none.
   *
   * @param append whether a database that already has experiments may get more
   */
  public static GenerateResult generate(
      ConnectionConfig config, GenerateOptions options, boolean append, ProgressListener progress) {
    if (!config.mayExist()) {
      return intoNewFile(config, options, progress);
    }
    Database db = Database.open(config, OpenMode.CREATE);
    boolean fresh = db.existingTables().isEmpty();
    if (fresh) {
      createSchema(db, options.layout());
    } else if (!options.layout().isTracker() && SchemaMigrator.isHalfCreated(db)) {
      // A generation killed while it made the tables: finish them, then generate as if fresh.
      SchemaMigrator.migrateToCurrent(db);
      fresh = true;
    }
    SchemaCheck.require(db, Schema.v1());
    if (!append) {
      DataGenerator.requireEmpty(db);
    }
    return new DataGenerator(db).generate(options, fresh, progress);
  }

  /** Creates the tables of a layout in an empty database. */
  private static void createSchema(Database db, GenerateOptions.Layout layout) {
    if (!layout.isTracker()) {
      SchemaMigrator.migrateToCurrent(db);
      return;
    }
    db.withConnection(
        c -> {
          for (String sql :
              io.expmgr.db.TrackerDdl.statements(db.engine(), layout.hasBatchLevel())) {
            Dialect.execute(c, sql);
          }
          return null;
        });
  }

  private static GenerateResult intoNewFile(
      ConnectionConfig config, GenerateOptions options, ProgressListener progress) {
    Path target = config.sqlitePath();
    if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
      throw new io.expmgr.ConnectionException(
          "cannot create SQLite database "
              + target
              + ": folder "
              + target.getParent()
              + " does not exist");
    }
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + ".generating-" + ProcessHandle.current().pid());
    // Ctrl-C or a kill ends the JVM without running finally blocks: the hook removes the
    // half-built file so nothing but a complete database ever appears under the target name.
    Thread cleanup =
        io.expmgr.internal.DaemonThreads.onExit("generate-cleanup", () -> deleteQuietly(tmp));
    try {
      Files.deleteIfExists(tmp);
      Database db = Database.open(config.withDatabase(tmp.toString()), OpenMode.CREATE);
      createSchema(db, options.layout());
      GenerateResult r = new DataGenerator(db).generate(options, true, progress);
      if (!options.layout().isTracker()) {
        db.withConnection(
            c -> {
              db.dialect().finishNewFile(c);
              return null;
            });
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return new GenerateResult(
          config.identity(),
          r.experimentIds(),
          r.rowsPerTable(),
          r.orphansPerTable(),
          r.legacyPerKind(),
          r.badJsonPerKind(),
          r.elapsed());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build " + target + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
      io.expmgr.internal.DaemonThreads.cancelOnExit(cleanup);
    }
  }

  private static void deleteQuietly(Path file) {
    for (String suffix : new String[] {"", "-journal", "-wal", "-shm"}) {
      try {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
      } catch (IOException ignored) {
        // best effort: a leftover temporary file is dot-named and never mistaken for data
      }
    }
  }

  /** Fails unless the database has no experiments yet, naming the option that allows it. */
  public static void requireEmpty(Database db) {
    long n =
        db.withConnection(
            c -> {
              try (Statement st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery("SELECT count(*) FROM " + db.dialect().quote("EXPERIMENT"))) {
                rs.next();
                return rs.getLong(1);
              }
            });
    if (n > 0) {
      throw new InvalidInputException(
          db.identity() + " already has " + n + " experiments; pass --append to add more");
    }
  }
}
