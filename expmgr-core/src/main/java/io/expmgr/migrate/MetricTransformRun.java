package io.expmgr.migrate;

import io.expmgr.ConflictException;
import io.expmgr.NotFoundException;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.internal.DaemonThreads;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.validate.PerLabelValueCheck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code transform-metrics}: rewrites the metrics of some experiments (or all metrics) in place by
 * rules, in batches taken in metric-id order. Each batch reads its metrics with a locking read,
 * writes the changed ones, their originals (with {@code backup_original}), its failures and the
 * last id it handled, and commits all of that at once. The run covers the metrics that existed when
 * it started.
 */
public final class MetricTransformRun extends BatchEngine {
  private static final Logger log = LoggerFactory.getLogger(MetricTransformRun.class);
  static final String KIND = "transform-metrics";

  private final List<Long> experimentIds;
  private final boolean hasMetadata;
  private final boolean keepOriginals;
  private final SortedSet<String> types;
  private long after;
  private long upTo;
  private long idFrom;

  private MetricTransformRun(Database db, List<Long> experimentIds, MigrationOptions options) {
    super(db, options);
    this.experimentIds = experimentIds.stream().distinct().sorted().toList();
    this.hasMetadata = SchemaMigrator.schemaOf(db).table("METRIC").column("metadata").isPresent();
    this.keepOriginals = rules.backupOriginal() || rules.rollbackOnError();
    this.types = rules.typesTouched();
    this.totalColumn =
        io.expmgr.db.Catalog.read(db)
            .table("METRIC")
            .flatMap(t -> t.column("total_val"))
            .orElseThrow(() -> new io.expmgr.SchemaException("METRIC has no total_val column"));
  }

  /**
   * Transforms the metrics of the given experiments (all metrics when the list is empty).
   *
   * @throws ConflictException when another run writes to the database, when the same run already
   *     completed (without {@code force}), or when an interrupted run of it used other rules
   */
  public static MigrationResult run(Database db, List<Long> experimentIds, MigrationOptions o) {
    return new MetricTransformRun(db, experimentIds, o).execute();
  }

  @Override
  String kind() {
    return KIND;
  }

  @Override
  String signature() {
    return experimentIds.isEmpty()
        ? "experiments=all"
        : "experiments="
            + experimentIds.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  @Override
  void check() {
    if (rules.transformations().isEmpty()) {
      throw new io.expmgr.InvalidInputException(
          "the rules name no transformation: nothing to do (see create-transformation-template)");
    }
    if (rules.needsMetadataColumn()) {
      SchemaMigrator.requireAtLeast(db, Schema.VERSION_2_0, "the add_metadata transformation");
    }
    db.withConnection(
        c -> {
          for (long id : experimentIds) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT 1 FROM "
                        + d.quote("EXPERIMENT")
                        + " WHERE "
                        + d.quote("id")
                        + " = ?")) {
              ps.setLong(1, id);
              try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                  throw new NotFoundException(
                      "experiment " + id + " does not exist in " + db.identity());
                }
              }
            }
          }
          return null;
        });
  }

  private String runsOf(List<Long> experiments) {
    String ids = experiments.stream().map(String::valueOf).collect(Collectors.joining(","));
    return "SELECT tr."
        + d.quote("id")
        + " FROM "
        + d.quote("TRIAL_RUN")
        + " tr JOIN "
        + d.quote("TRIAL")
        + " t ON t."
        + d.quote("id")
        + " = tr."
        + d.quote("trial_id")
        + " WHERE t."
        + d.quote("experiment_id")
        + " IN ("
        + ids
        + ")";
  }

  /** The filter on metric x beyond its id range: its type. */
  private String filter() {
    StringBuilder sb = new StringBuilder();
    if (types != null) {
      sb.append(" AND x.").append(d.quote("type")).append(" IN (");
      sb.append(types.stream().map(t -> "?").collect(Collectors.joining(","))).append(")");
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- the experiments' metrics

  /**
   * With {@code --experiment-ids}: the ids of the experiments' metrics of the rules' types, read
   * once per run from every link table (one pass each, joined to the metric by its key), whatever
   * level links them: experiment, trial, run, results, epoch or batch. Probing the links per metric
   * instead is a scan per metric on users' databases, which have no index on {@code metric_id}.
   * Null for a run over all metrics.
   */
  private io.expmgr.internal.LongBitSet members;

  private long membersMin;
  private long membersMax;

  private void measureMembers(Connection c) throws SQLException {
    if (experimentIds.isEmpty()) {
      members = null;
      return;
    }
    d.mapPages(c);
    long[] range = new long[2];
    members = membersOf(c, experimentIds, range);
    membersMin = range[0];
    membersMax = range[1];
  }

  /** The metric ids of the rules' types linked to the experiments; their range in {@code range}. */
  private io.expmgr.internal.LongBitSet membersOf(
      Connection c, List<Long> experiments, long[] range) throws SQLException {
    String ids = experiments.stream().map(String::valueOf).collect(Collectors.joining(","));
    String trials =
        "SELECT "
            + q("id")
            + " FROM "
            + q("TRIAL")
            + " WHERE "
            + q("experiment_id")
            + " IN ("
            + ids
            + ")";
    String runs = runsOf(experiments);
    io.expmgr.internal.LongBitSet set = new io.expmgr.internal.LongBitSet();
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (io.expmgr.db.Table link : SchemaMigrator.schemaOf(db).tables()) {
      if (link.column("metric_id").isEmpty()) {
        continue;
      }
      String owner = null;
      String in = null;
      for (io.expmgr.db.Column col : link.columns()) {
        String kind = ExperimentMigration.kindOf(link, col.name());
        if (kind == null || col.name().equals("id")) {
          continue;
        }
        in =
            switch (kind) {
              case "EXPERIMENT" -> ids;
              case "TRIAL" -> trials;
              case "TRIAL_RUN" -> runs;
              default -> null;
            };
        if (in != null) {
          owner = col.name();
          break;
        }
      }
      if (owner == null) {
        continue;
      }
      String sql =
          "SELECT l."
              + q("metric_id")
              + ", m."
              + q("type")
              + " FROM "
              + q(link.name())
              + " l JOIN "
              + q("METRIC")
              + " m ON m."
              + q("id")
              + " = l."
              + q("metric_id")
              + " WHERE l."
              + q(owner)
              + " IN ("
              + in
              + ")";
      try (var st = c.createStatement()) {
        st.setFetchSize(10_000);
        try (ResultSet rs = st.executeQuery(sql)) {
          while (rs.next()) {
            if (types == null || types.contains(rs.getString(2))) {
              long id = rs.getLong(1);
              set.add(id);
              lo = Math.min(lo, id);
              hi = Math.max(hi, id);
            }
          }
        }
      }
    }
    range[0] = lo;
    range[1] = hi;
    return set;
  }

  // ---------------------------------------------------------------- no metric changed twice

  /**
   * What an earlier run of the same rules changed, or may have: its metrics (all, or those of its
   * experiments) with ids in its window up to its checkpoint. Metric ids only grow, so a metric
   * added since lies after every window.
   */
  private record Covered(long runId, long from, long to, io.expmgr.internal.LongBitSet members) {
    boolean covers(long id) {
      return id >= from && id <= to && (members == null || members.contains(id));
    }
  }

  private List<Covered> covered = List.of();
  private final java.util.concurrent.atomic.AtomicLong skippedAsDone =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.Set<Long> skippedBecauseOf =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Reads the earlier runs of the same rules (completed, interrupted, abandoned or being rolled
   * back; not rolled back) and the metrics each covered, so that this run leaves them as they are
   * unless {@code --force}: applying a rule such as {@code scale} twice to one metric is the
   * classic mistake, whatever experiment sets the two runs named.
   */
  private void readCovered(Connection c) throws SQLException {
    if (o.force()
        || !db.existingTables(c).contains(RunLedger.RUNS.toUpperCase(java.util.Locale.ROOT))) {
      covered = List.of();
      return;
    }
    List<Covered> out = new ArrayList<>();
    String sha = rules.sha256();
    for (MigrationRun r : RunLedger.list(c, d)) {
      if (!r.kind().equals(KIND)
          || r.runId() == runId
          || !r.rulesSha256().equals(sha)
          || r.state() == MigrationRun.State.ROLLED_BACK
          || r.state() == MigrationRun.State.RUNNING
          || r.changed() == 0) {
        continue;
      }
      Map<String, Object> p = r.params();
      if (!(p.get("id_from") instanceof Number from) || !(p.get("id_to") instanceof Number to)) {
        continue;
      }
      long upTo = to.longValue();
      if (r.state() != MigrationRun.State.COMPLETED && r.checkpoint() != null) {
        Object a = RunLedger.mapOf(r.checkpoint()).get("after_metric_id");
        if (a instanceof Number n) {
          upTo = Math.min(upTo, n.longValue());
        }
      }
      List<Long> exps = new ArrayList<>();
      if (p.get("experiment_ids") instanceof List<?> l) {
        for (Object e : l) {
          exps.add(((Number) e).longValue());
        }
      }
      io.expmgr.internal.LongBitSet set = exps.isEmpty() ? null : membersOf(c, exps, new long[2]);
      out.add(new Covered(r.runId(), from.longValue(), upTo, set));
    }
    covered = out;
  }

  /** The run that already changed metric {@code id} with these rules, or -1. */
  private long coveredBy(long id) {
    for (Covered cv : covered) {
      if (cv.covers(id)) {
        return cv.runId();
      }
    }
    return -1;
  }

  private String q(String name) {
    return d.quote(name);
  }

  /** The members with ids in (from, to]. */
  private long membersIn(long from, long to) {
    long n = 0;
    for (long id = members.next(from + 1); id >= 0 && id <= to; id = members.next(id + 1)) {
      n++;
    }
    return n;
  }

  private int bindTypes(PreparedStatement ps, int index) throws SQLException {
    if (types != null) {
      for (String t : types) {
        ps.setString(index++, t);
      }
    }
    return index;
  }

  /** The id range to walk: the experiments' metrics, or the whole table. */
  private long[] bounds(Connection c) throws SQLException {
    if (!experimentIds.isEmpty()) {
      measureMembers(c);
      return members.size() == 0 ? new long[] {1, 0} : new long[] {membersMin, membersMax};
    }
    try (var st = c.createStatement();
        ResultSet rs = st.executeQuery(io.expmgr.db.Sql.minAndMax("METRIC", "id", d))) {
      rs.next();
      long lo = rs.getLong(1);
      boolean none = rs.wasNull();
      long hi = rs.getLong(2);
      return none ? new long[] {1, 0} : new long[] {lo, hi};
    }
  }

  private long count(Connection c, long from, long to) throws SQLException {
    if (members != null) {
      return membersIn(from - 1, to);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM "
                + d.quote("METRIC")
                + " x WHERE x."
                + d.quote("id")
                + " BETWEEN ? AND ?"
                + filter())) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      bindTypes(ps, 3);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Override
  Map<String, Object> plan(Connection c) throws SQLException {
    d.mapPages(c);
    readCovered(c);
    long[] b = bounds(c);
    idFrom = b[0];
    upTo = b[1];
    after = idFrom - 1;
    startCounting();
    if (counting == null) {
      total = count(c, idFrom, upTo);
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("experiment_ids", experimentIds);
    p.put("metric_types", types == null ? List.of("*") : List.copyOf(types));
    p.put("id_from", idFrom);
    p.put("id_to", upTo);
    return p;
  }

  @Override
  void resumeFrom(MigrationRun run) {
    upTo = ((Number) run.params().get("id_to")).longValue();
    idFrom = ((Number) run.params().get("id_from")).longValue();
    db.withConnection(
        c -> {
          measureMembers(c);
          readCovered(c);
          return null;
        });
    after =
        run.checkpoint() == null
            ? idFrom - 1
            : ((Number) RunLedger.mapOf(run.checkpoint()).get("after_metric_id")).longValue();
    if (total < 0) {
      // Stopped before its count was in: what it did, and what is left after its checkpoint.
      long left = db.withConnection(c -> count(c, after + 1, upTo));
      total = processed + left;
      db.inTransaction(
          c -> {
            RunLedger.setTotal(c, d, runId, total);
            return null;
          });
    }
  }

  // ---------------------------------------------------------------- counting beside the run

  /** The thread that counts the metrics to do while the first batches run. */
  private static final java.util.concurrent.ExecutorService COUNTER =
      DaemonThreads.pool("expmgr-count", 2);

  private java.util.concurrent.Future<Long> counting;

  /**
   * Where a second connection does not hold off the writer, the metrics to do are counted on it,
   * beside the first batches (counting them needs a scan of METRIC): its read transaction starts
   * here, before any batch commits, so it counts exactly what a count now would. The total is
   * unknown (-1) until then.
   */
  private void startCounting() throws SQLException {
    counting = null;
    if (members != null || !d.supportsConcurrentReader(db)) {
      return;
    }
    Connection cc = db.connect();
    try {
      cc.setAutoCommit(false);
      d.beginConsistentRead(cc);
    } catch (SQLException | RuntimeException e) {
      cc.close();
      throw e;
    }
    long from = idFrom;
    long to = upTo;
    total = -1;
    counting =
        COUNTER.submit(
            () -> {
              try (cc) {
                long n = count(cc, from, to);
                cc.rollback();
                return n;
              }
            });
  }

  /** Takes the count when it is in (or, with {@code wait}, waits for it) and records it. */
  private void takeCount(Connection c, boolean wait) throws SQLException {
    if (counting == null || (!wait && !counting.isDone())) {
      return;
    }
    total = await(counting);
    counting = null;
    RunLedger.setTotal(c, d, runId, total);
  }

  private String selectColumns() {
    return "SELECT x."
        + d.quote("id")
        + ", x."
        + d.quote("type")
        + ", x."
        + d.quote("total_val")
        + ", x."
        + d.quote("per_label_val")
        + (hasMetadata ? ", x." + d.quote("metadata") : "");
  }

  private String selectSql(boolean lock) {
    return selectColumns()
        + " FROM "
        + d.quote("METRIC")
        + " x WHERE x."
        + d.quote("id")
        + " > ? AND x."
        + d.quote("id")
        + " <= ?"
        + filter()
        + " ORDER BY x."
        + d.quote("id")
        + " LIMIT ?"
        + (lock ? d.lockingReadSuffix() : "");
  }

  /**
   * A metric as read.
   *
   * @param unreadable why its values cannot be transformed (a total_val that is not a number), or
   *     null
   */
  record Row(long id, MetricTransformer.MetricValues values, String unreadable) {
    Row(long id, MetricTransformer.MetricValues values) {
      this(id, values, null);
    }
  }

  /** METRIC.total_val as the database declares it, to read it as stored. */
  private io.expmgr.db.Catalog.ColumnInfo totalColumn;

  private List<Row> read(Connection c, long from, int n, boolean lock) throws SQLException {
    return read(c, from, upTo, n, lock);
  }

  /** Up to n metrics to transform with ids in (from, to], in id order. */
  private List<Row> read(Connection c, long from, long to, int n, boolean lock)
      throws SQLException {
    if (members != null) {
      return readMembers(c, from, to, n, lock);
    }
    List<Row> out = new ArrayList<>(Math.min(n, 10_000));
    try (PreparedStatement ps = c.prepareStatement(selectSql(lock))) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      int i = bindTypes(ps, 3);
      ps.setInt(i, n);
      return readRows(ps, out);
    }
  }

  /**
   * The experiments' metrics after {@code from}: windows of up to n member ids, each read by its
   * ranges of consecutive ids, until one holds a metric still of the rules' types.
   */
  private List<Row> readMembers(Connection c, long from, long to, int n, boolean lock)
      throws SQLException {
    long at = from;
    while (true) {
      List<long[]> ranges = IdWindows.next(members, at, to, n);
      if (ranges.isEmpty()) {
        return List.of();
      }
      String sql =
          selectColumns()
              + " FROM "
              + q("METRIC")
              + " x WHERE "
              + IdWindows.condition("x." + q("id"), ranges)
              + filter()
              + " ORDER BY x."
              + q("id")
              + (lock ? d.lockingReadSuffix() : "");
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        bindTypes(ps, 1);
        List<Row> out = readRows(ps, new ArrayList<>());
        if (!out.isEmpty()) {
          return out;
        }
      }
      at = ranges.get(ranges.size() - 1)[1];
    }
  }

  private List<Row> readRows(PreparedStatement ps, List<Row> out) throws SQLException {
    {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          // As stored: a MySQL FLOAT as the value written into it (0.45, not 0.4499999881), and
          // text where a number should be as the failure it is, never as 0.
          Object tv = io.expmgr.db.Values.read(rs, 3, totalColumn, d.engine());
          String unreadable =
              tv == null || tv instanceof Number
                  ? null
                  : "total_val is not a number: '"
                      + io.expmgr.db.Values.abbreviate(tv.toString())
                      + "'";
          out.add(
              new Row(
                  rs.getLong(1),
                  new MetricTransformer.MetricValues(
                      rs.getString(2),
                      tv instanceof Number num ? num.doubleValue() : null,
                      rs.getString(4),
                      hasMetadata ? rs.getString(5) : null),
                  unreadable));
        }
      }
    }
    return out;
  }

  /**
   * With {@code validate_after_transform}: the failure of a transformation that left a per-label
   * value with a problem it did not have before (a legacy array scaled stays a legacy array and
   * passes; an object turned into something else fails), or null.
   */
  private String checkResult(
      MetricTransformer.MetricValues before, MetricTransformer.MetricValues v) {
    if (!rules.validateAfterTransform() || v.perLabelVal() == null) {
      return null;
    }
    String problem = PerLabelValueCheck.classify(v.perLabelVal());
    if (problem == null
        || (before.perLabelVal() != null
            && problem.equals(PerLabelValueCheck.classify(before.perLabelVal())))) {
      return null;
    }
    return "validate_after_transform: the result is " + problem.replace('_', ' ');
  }

  private record Done(Row row, MetricTransformer.Outcome out, String failure) {}

  /**
   * Transforms a batch, on every core for a large one (the rules are pure functions), keeping the
   * batch's order.
   */
  private List<Done> transformAll(List<Row> batch) {
    var stream = batch.size() >= 256 ? batch.parallelStream() : batch.stream();
    return stream.map(this::transformOne).toList();
  }

  private List<Done> transform(List<Row> rows) {
    List<Done> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(transformOne(r));
    }
    return out;
  }

  /** The thread that applies the rules while the batch's thread writes. */
  private static final java.util.concurrent.ExecutorService WORKER =
      DaemonThreads.pool("expmgr-transform", 1);

  private Done transformOne(Row r) {
    if (r.unreadable() != null) {
      return new Done(
          r, new MetricTransformer.Outcome(r.values(), false, r.unreadable()), r.unreadable());
    }
    long earlier = covered.isEmpty() ? -1 : coveredBy(r.id());
    if (earlier >= 0) {
      // Changed by an earlier run of the same rules: left as it is (--force applies them again).
      skippedAsDone.incrementAndGet();
      skippedBecauseOf.add(earlier);
      return new Done(r, new MetricTransformer.Outcome(r.values(), false, null), null);
    }
    MetricTransformer.Outcome out = transformer.apply(r.values());
    String failure =
        out.failed() ? out.failure() : out.changed() ? checkResult(r.values(), out.values()) : null;
    return new Done(r, out, failure);
  }

  /** Where the time of the batches went: reading, transforming, writing (nanoseconds). */
  private final long[] split = new long[4];

  // ---------------------------------------------------------------- reading ahead

  /** A batch read and transformed ahead, on the worker thread, from another connection. */
  private record Ahead(List<Row> batch, List<Done> done) {}

  /** Called on the worker with the first id of each batch read ahead; tests change rows here. */
  static volatile java.util.function.LongConsumer readAheadHook = id -> {};

  /** Called with the id of each metric found changed since it was read ahead. */
  static volatile java.util.function.LongConsumer movedHook = id -> {};

  private java.util.concurrent.Future<Ahead> ahead;
  private Long lastVersion;
  private boolean checkOriginals;
  private long checkedBatches;
  private long aheadFrom;
  private Connection aheadConnection;
  private Boolean readsAhead;

  /**
   * Starts reading and transforming the batch after {@code from} while this one writes: on the
   * worker thread and a connection of its own where a second connection cannot hold off the writer
   * (a server, SQLite in WAL mode); elsewhere (SQLite with a rollback journal) read here, on the
   * writing connection, and only transformed on the worker. Not when the strategy reads each batch
   * back. The rows may change before they are written: each update names the values it was computed
   * from, and a row that no longer has them is read again inside the batch's transaction and
   * transformed afresh.
   */
  private void readAhead(Connection c, long from, int n) throws SQLException {
    if (readsAhead == null) {
      readsAhead = d.supportsConcurrentReader(db);
    }
    if (o.strategy().checksEachBatch()) {
      return;
    }
    aheadFrom = from;
    if (!readsAhead) {
      List<Row> rows = read(c, from, n, false);
      ahead =
          WORKER.submit(
              () -> {
                if (!rows.isEmpty()) {
                  readAheadHook.accept(rows.get(0).id());
                }
                return new Ahead(rows, transform(rows));
              });
      return;
    }
    ahead =
        WORKER.submit(
            () -> {
              if (aheadConnection == null) {
                aheadConnection = db.connect();
              }
              List<Row> rows = read(aheadConnection, from, n, false);
              if (!rows.isEmpty()) {
                readAheadHook.accept(rows.get(0).id());
              }
              return new Ahead(rows, transform(rows));
            });
  }

  @Override
  void release() {
    if (counting != null) {
      // Stopped or failed before the count was in: wait for it (a second or so), so the run's
      // record and its summary give its total.
      try {
        total = await(counting);
        db.inTransaction(
            c -> {
              RunLedger.setTotal(c, d, runId, total);
              return null;
            });
      } catch (RuntimeException e) {
        log.warn("could not count the run's metrics: {}", e.getMessage());
      }
      counting = null;
    }
    dropAhead();
  }

  /** Lets a batch read ahead finish and closes its connection. */
  private void dropAhead() {
    settle(ahead);
    ahead = null;
    close(aheadConnection, "read-ahead");
    aheadConnection = null;
  }

  // ---------------------------------------------------------------- batches

  /** Whether a trigger of the writing connection keeps the originals (else the batch does). */
  private boolean originalsByTrigger;

  /**
   * Where the connection can have a trigger of its own (SQLite), the originals are kept by one:
   * each update this connection makes to a metric copies the row as it was into the backup table,
   * inside the same statement, so exactly the rows written are kept and none travel through Java.
   */
  @Override
  void prepareWriter(Connection c) throws SQLException {
    originalsByTrigger = keepOriginals && d.hasConnectionTriggers();
    if (!originalsByTrigger) {
      return;
    }
    List<String> cols = new ArrayList<>(List.of("type", "total_val", "per_label_val"));
    if (hasMetadata) {
      cols.add("metadata");
    }
    try (var st = c.createStatement()) {
      st.execute(
          d.connectionTrigger(
              "expmgr_keep_originals",
              d.quote("METRIC"),
              "INSERT INTO "
                  + d.quote(RunLedger.BACKUP)
                  + " (run_id, metric_id, "
                  + String.join(", ", cols)
                  + ") VALUES ("
                  + runId
                  + ", OLD."
                  + d.quote("id")
                  + ", "
                  + cols.stream()
                      .map(col -> "OLD." + d.quote(col))
                      .collect(Collectors.joining(", "))
                  + ")"));
    }
  }

  @Override
  boolean batch(Connection c, int n) throws SQLException {
    long t0 = System.nanoTime();
    List<Row> batch;
    List<java.util.concurrent.Future<List<Done>>> pending = new ArrayList<>();
    // What other connections committed since the last batch began: if nothing, what was read
    // ahead during that batch (whose write lock kept other writers out) is still what the rows
    // hold, and the updates need not check. Unknown (null) on servers: they always check.
    Long version = d.commitsByOthers(c);
    boolean quiet = version != null && version.equals(lastVersion);
    lastVersion = version;
    if (ahead != null && aheadFrom == after) {
      Ahead a = await(ahead);
      ahead = null;
      batch = a.batch();
      checkOriginals = !quiet;
      if (checkOriginals) {
        checkedBatches++;
      }
      pending.add(java.util.concurrent.CompletableFuture.completedFuture(a.done()));
    } else {
      dropAhead();
      checkOriginals = false; // read in this transaction, under its locks
      batch = read(c, after, n, true);
      // The rules run on the worker thread, a chunk ahead of the writes of this one.
      int chunk = Math.max(256, (batch.size() + 7) / 8);
      for (int i = 0; i < batch.size(); i += chunk) {
        List<Row> part = batch.subList(i, Math.min(batch.size(), i + chunk));
        pending.add(WORKER.submit(() -> transform(part)));
      }
    }
    long t1 = System.nanoTime();
    split[0] += t1 - t0;
    takeCount(c, batch.isEmpty());
    if (batch.isEmpty()) {
      log.debug(
          "run {}: reading {} ms, transforming {} ms, writing {} ms (originals {} ms);"
              + " {} batches read ahead were checked for changes",
          runId,
          split[0] / 1_000_000,
          split[1] / 1_000_000,
          split[2] / 1_000_000,
          split[3] / 1_000_000,
          checkedBatches);
      return false;
    }
    readAhead(c, batch.get(batch.size() - 1).id(), n);
    List<Row> updates = new ArrayList<>();
    List<Object[]> failedRows = new ArrayList<>();
    for (var future : pending) {
      long w0 = System.nanoTime();
      List<Done> dones = await(future);
      long w1 = System.nanoTime();
      split[1] += w1 - w0; // waiting for the rules
      List<Row> moved = apply(c, dones, updates, failedRows);
      if (!moved.isEmpty()) {
        // Changed since they were read ahead: read again, now inside this transaction.
        List<Row> fresh = new ArrayList<>();
        for (Row r : moved) {
          movedHook.accept(r.id());
          fresh.addAll(read(c, r.id() - 1, r.id(), 1, true));
        }
        log.debug("run {}: {} metrics changed while read ahead; read again", runId, moved.size());
        checkOriginals = false;
        if (!apply(c, transform(fresh), updates, failedRows).isEmpty()) {
          throw new IllegalStateException("metrics changed inside the batch's own transaction");
        }
      }
      split[2] += System.nanoTime() - w1;
    }
    long t2 = System.nanoTime();
    RunLedger.recordFailures(c, d, runId, failedRows);
    if (o.strategy().checksEachBatch()) {
      verify(c, batch.get(0).id() - 1, batch.size(), updates);
    }
    split[2] += System.nanoTime() - t2;
    after = batch.get(batch.size() - 1).id();
    processed += batch.size();
    changed += updates.size();
    batches++;
    checkpoint(c, RunLedger.toJson(Map.of("after_metric_id", after)));
    return true;
  }

  /**
   * Writes transformed metrics (each only if it still holds the values it was computed from) and
   * the originals of those written; counts failures. Returns the rows that no longer held them.
   */
  private List<Row> apply(
      Connection c, List<Done> dones, List<Row> updates, List<Object[]> failedRows)
      throws SQLException {
    List<Row> originals = new ArrayList<>(dones.size());
    List<Row> results = new ArrayList<>(dones.size());
    for (Done done : dones) {
      Row r = done.row();
      String failure = done.failure();
      if (failure != null) {
        addFailure(r.id(), failure);
        if (rules.rollbackOnError()) {
          throw new RollbackRequested(r.id(), failure);
        }
        failedRows.add(new Object[] {r.id(), failure});
      } else if (done.out().changed()) {
        originals.add(r);
        results.add(new Row(r.id(), done.out().values()));
      }
    }
    boolean[] written = writeMetrics(c, d, hasMetadata, checkOriginals ? originals : null, results);
    List<Object[]> backups = new ArrayList<>();
    List<Row> moved = new ArrayList<>();
    for (int i = 0; i < written.length; i++) {
      if (!written[i]) {
        moved.add(originals.get(i));
        continue;
      }
      updates.add(results.get(i));
      if (keepOriginals && !originalsByTrigger) {
        MetricTransformer.MetricValues v = originals.get(i).values();
        backups.add(
            new Object[] {
              runId, originals.get(i).id(), v.type(), v.totalVal(), v.perLabelVal(), v.metadata()
            });
      }
    }
    if (!backups.isEmpty()) {
      long b0 = System.nanoTime();
      d.bulkInsert(c, RunLedger.BACKUP_MODEL, backups);
      split[3] += System.nanoTime() - b0;
    }
    return moved;
  }

  /**
   * Sets the transformable columns of metrics by id (one JDBC batch), each only where the row still
   * holds its original values; returns which were written. With no originals (a rollback), every
   * row is written unconditionally.
   */
  static boolean[] writeMetrics(
      Connection c, Dialect d, boolean hasMetadata, List<Row> originals, List<Row> updates)
      throws SQLException {
    boolean[] written = new boolean[updates.size()];
    if (updates.isEmpty()) {
      return written;
    }
    StringBuilder sql =
        new StringBuilder("UPDATE ")
            .append(d.quote("METRIC"))
            .append(" SET ")
            .append(d.quote("type"))
            .append(" = ?, ")
            .append(d.quote("total_val"))
            .append(" = ?, ")
            .append(d.quote("per_label_val"))
            .append(" = ?")
            .append(hasMetadata ? ", " + d.quote("metadata") + " = ?" : "")
            .append(" WHERE ")
            .append(d.quote("id"))
            .append(" = ?");
    if (originals != null) {
      sql.append(" AND ")
          .append(d.quote("type"))
          .append(" = ? AND ")
          .append(d.nullSafeEquals(d.quote("total_val")))
          .append(" AND ")
          .append(d.nullSafeEquals(d.quote("per_label_val")));
      if (hasMetadata) {
        sql.append(" AND ").append(d.nullSafeEquals(d.quote("metadata")));
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int k = 0; k < updates.size(); k++) {
        Row r = updates.get(k);
        int i = bindValues(ps, 1, r.values(), hasMetadata, true);
        ps.setLong(i++, r.id());
        if (originals != null) {
          MetricTransformer.MetricValues was = originals.get(k).values();
          ps.setString(i++, was.type());
          bindValues(ps, i, was, hasMetadata, false);
        }
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      for (int k = 0; k < counts.length; k++) {
        written[k] = counts[k] != 0;
      }
    }
    return written;
  }

  /** Binds total_val, per_label_val (and metadata), after type when {@code withType}. */
  private static int bindValues(
      PreparedStatement ps,
      int i,
      MetricTransformer.MetricValues v,
      boolean hasMetadata,
      boolean withType)
      throws SQLException {
    if (withType) {
      ps.setString(i++, v.type());
    }
    if (v.totalVal() == null) {
      ps.setNull(i++, Types.DOUBLE);
    } else {
      ps.setDouble(i++, v.totalVal());
    }
    ps.setString(i++, v.perLabelVal());
    if (hasMetadata) {
      if (withType) {
        ps.setString(i++, v.metadata() == null ? "{}" : v.metadata());
      } else {
        ps.setString(i++, v.metadata());
      }
    }
    return i;
  }

  /** The conservative check: what the batch wrote reads back as written. */
  private void verify(Connection c, long from, int n, List<Row> updates) throws SQLException {
    Map<Long, MetricTransformer.MetricValues> written = new LinkedHashMap<>();
    for (Row r : updates) {
      written.put(r.id(), r.values());
    }
    for (Row r : read(c, from, n, false)) {
      MetricTransformer.MetricValues w = written.get(r.id());
      if (w != null) {
        MetricTransformer.MetricValues back = r.values();
        boolean same =
            java.util.Objects.equals(w.type(), back.type())
                && java.util.Objects.equals(w.totalVal(), back.totalVal())
                && java.util.Objects.equals(w.perLabelVal(), back.perLabelVal());
        if (!same) {
          throw new IllegalStateException(
              "metric " + r.id() + " does not read back as written; the batch is undone");
        }
      }
    }
  }

  @Override
  String finish(Connection c) throws SQLException {
    String note = "processed " + processed + " metrics, changed " + changed + ", failed " + failed;
    if (skippedAsDone.get() > 0) {
      note +=
          "; "
              + skippedAsDone.get()
              + " left as they were: run "
              + skippedBecauseOf.stream()
                  .sorted()
                  .map(String::valueOf)
                  .collect(Collectors.joining(", run "))
              + " already applied these rules to them (--force applies them again)";
      log.warn("transform-metrics: {}", note);
    }
    if (keepOriginals) {
      long kept = RunLedger.backupCount(c, d, runId);
      if (kept != changed) {
        throw new IllegalStateException(
            "run "
                + runId
                + " changed "
                + changed
                + " metrics but holds "
                + kept
                + " originals; the run stays interrupted");
      }
      if (!rules.backupOriginal()) {
        // Kept only so rollback_on_error could undo the run; it completed, so they go.
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM " + d.quote(RunLedger.BACKUP) + " WHERE run_id = ?")) {
          ps.setLong(1, runId);
          ps.executeUpdate();
        }
      }
    }
    return note;
  }

  @Override
  void undo() {
    TransformRollback.restoreOriginals(db, runId, o.effectiveBatchSize());
  }

  /**
   * {@code rollback-transform}: puts back the originals a transform run kept with {@code
   * backup_original}. Resumable: each batch deletes the originals it restored.
   *
   * @return the number of metrics restored
   */
  public static long rollback(
      Database db, long runId, boolean safetySnapshot, java.nio.file.Path snapshotDir) {
    return rollback(db, runId, safetySnapshot, snapshotDir, io.expmgr.ProgressListener.NONE);
  }

  /**
   * What {@link #rollback} would put back, checked without changing anything: the run, when its
   * rollback can go ahead.
   *
   * @throws io.expmgr.NotFoundException when there is no such run
   * @throws io.expmgr.ConflictException when it is not a transform run, is rolled back already,
   *     kept no originals, or a later run changed the same metrics
   */
  public static MigrationRun rollbackCheck(Database db, long runId) {
    return TransformRollback.check(db, runId);
  }

  /** As above, telling {@code progress} how the safety snapshot goes. */
  public static long rollback(
      Database db,
      long runId,
      boolean safetySnapshot,
      java.nio.file.Path snapshotDir,
      io.expmgr.ProgressListener progress) {
    return TransformRollback.run(db, runId, safetySnapshot, snapshotDir, progress);
  }

  @Override
  MigrationResult dryRun() {
    long t0 = System.nanoTime();
    return db.withConnection(
        c -> {
          readCovered(c);
          long[] b = bounds(c);
          idFrom = b[0];
          upTo = b[1];
          long from = idFrom - 1;
          long wouldChange = 0;
          long unchanged = 0;
          int n = o.effectiveBatchSize();
          while (true) {
            List<Row> batch = read(c, from, Math.max(n, 1_000), false);
            if (batch.isEmpty()) {
              break;
            }
            for (Done done : transformAll(batch)) {
              Row r = done.row();
              MetricTransformer.Outcome out = done.out();
              String failure = done.failure();
              if (failure != null) {
                addFailure(r.id(), failure);
              } else if (out.changed()) {
                wouldChange++;
              } else {
                unchanged++;
              }
              processed++;
            }
            from = batch.get(batch.size() - 1).id();
          }
          Map<String, Long> m = new LinkedHashMap<>();
          m.put("would_change", wouldChange);
          m.put("unchanged", unchanged);
          m.put("would_fail", failed);
          if (skippedAsDone.get() > 0) {
            m.put("already_changed_by_earlier_runs", skippedAsDone.get());
          }
          return dryRunResult(processed, wouldChange, m, t0);
        });
  }
}
