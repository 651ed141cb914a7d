package io.expmgr.migrate;

import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.SchemaException;
import io.expmgr.db.Catalog;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.db.TimeStyle;
import io.expmgr.db.Values;
import io.expmgr.internal.DaemonThreads;
import io.expmgr.schema.SchemaMigrator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code migrate-experiment}: copies an experiment's whole hierarchy (trials, runs, results,
 * epochs, metrics with their per-label values, artifacts and every link) into a new experiment, or
 * into an existing one, in the same database or another, transforming metrics on the way. The
 * source is only read.
 *
 * <p>Tables are copied parents first, each in primary-key order, in batches. New ids are the source
 * ids shifted by one offset per kind, fixed when the run starts and kept in its record, so a batch
 * needs no id map and a resumed run maps ids exactly as the first attempt did. Each batch commits
 * its rows together with the checkpoint (table and last key), in the target.
 */
public final class ExperimentMigration extends BatchEngine {
  private static final Logger log = LoggerFactory.getLogger(ExperimentMigration.class);
  static final String KIND = "migrate-experiment";

  private final Database source;
  private final Dialect sd;
  private final long sourceExperimentId;
  private final Long intoExperimentId;
  private final boolean sameDatabase;
  private final Schema sourceSchema;
  private final List<Table> phases = new ArrayList<>();

  private Connection sourceConnection;

  /** What belongs to the experiment copied, measured in the source. */
  private final ExperimentScope scope;

  private final Catalog sourceCatalog;
  private Catalog targetCatalog;
  private TimeStyle targetTimeStyle;

  /** Per table: how each of its source columns goes into the target's column (null: as read). */
  private final Map<String, Values.Into[]> into = new java.util.HashMap<>();

  private Map<String, Long> offsets = new LinkedHashMap<>();
  private Map<String, long[]> bounds = new LinkedHashMap<>();
  private Map<String, Long> sourceCounts = new LinkedHashMap<>();
  private int phase;
  private final Map<String, Long> readNanos = new LinkedHashMap<>();
  private List<Object> after;

  private ExperimentMigration(
      Database source,
      Database target,
      long sourceExperimentId,
      Long intoExperimentId,
      MigrationOptions options) {
    super(target, options);
    this.source = source;
    this.sd = source.dialect();
    this.sourceExperimentId = sourceExperimentId;
    this.intoExperimentId = intoExperimentId;
    this.sameDatabase = source.identity().equals(target.identity());
    this.sourceSchema = SchemaMigrator.schemaOf(source);
    this.sourceCatalog = Catalog.read(source);
    this.scope = new ExperimentScope(sd, sourceExperimentId, sourceSchema, sourceCatalog);
    for (Table t : sourceSchema.tables()) {
      if (t.name().equals("EXPERIMENT") && intoExperimentId != null) {
        continue;
      }
      phases.add(t);
    }
  }

  /**
   * Copies experiment {@code sourceExperimentId} of {@code source} into {@code target} (which may
   * be the same database): into a new experiment when {@code intoExperimentId} is null, otherwise
   * appended to that existing experiment.
   */
  public static MigrationResult run(
      Database source,
      Database target,
      long sourceExperimentId,
      Long intoExperimentId,
      MigrationOptions options) {
    return new ExperimentMigration(source, target, sourceExperimentId, intoExperimentId, options)
        .execute();
  }

  @Override
  String kind() {
    return KIND;
  }

  @Override
  String signature() {
    return "source="
        + (sameDatabase ? "this database" : source.identity())
        + " experiment="
        + sourceExperimentId
        + " into="
        + (intoExperimentId == null ? "new" : "experiment " + intoExperimentId);
  }

  @Override
  void check() {
    requireExperiment(source, sourceExperimentId, "source");
    if (intoExperimentId != null) {
      requireExperiment(db, intoExperimentId, "target");
      if (sameDatabase && intoExperimentId == sourceExperimentId) {
        throw new InvalidInputException(
            "the source and the target are the same experiment " + sourceExperimentId);
      }
    }
    Schema targetSchema = SchemaMigrator.schemaOf(db);
    if (SchemaMigrator.compareVersions(targetSchema.version(), sourceSchema.version()) < 0) {
      throw new SchemaException(
          "the source "
              + source.identity()
              + " has schema "
              + sourceSchema.version()
              + " but the target "
              + db.identity()
              + " has "
              + targetSchema.version()
              + ": run 'expmgr schema upgrade --to "
              + sourceSchema.version()
              + "' on the target first");
    }
    if (rules.needsMetadataColumn()) {
      SchemaMigrator.requireAtLeast(db, Schema.VERSION_2_0, "the add_metadata transformation");
    }
    targetCatalog = Catalog.read(db);
    List<String> lacking = new ArrayList<>();
    for (Table t : phases) {
      Catalog.TableInfo there = targetCatalog.table(t.name()).orElse(null);
      Catalog.TableInfo here = sourceCatalog.table(t.name()).orElseThrow();
      if (there == null) {
        if (!Schema.isOptional(t.name()) || rowsIn(t) > 0) {
          lacking.add(t.name());
        }
        continue;
      }
      for (Catalog.ColumnInfo col : here.columns()) {
        if (there.column(col.name()).isEmpty()) {
          lacking.add(t.name() + "." + col.name());
        }
      }
    }
    if (!lacking.isEmpty()) {
      // Nothing is dropped in silence: a column the target cannot hold stops the copy first.
      throw new SchemaException(
          "the target "
              + db.identity()
              + " lacks "
              + String.join(", ", lacking)
              + " of the source; add them there (or copy with a snapshot) first");
    }
    targetTimeStyle = db.withConnection(c -> TimeStyle.of(db, c, targetCatalog));
    source.withConnection(
        c -> {
          scope.measureOwned(c);
          return null;
        });
  }

  /** The source's columns of a table, in order: the model's and any its users added. */
  private List<String> columns(Table t) {
    return sourceCatalog.table(t.name()).orElseThrow().columns().stream()
        .map(Catalog.ColumnInfo::name)
        .toList();
  }

  /**
   * The table's primary key in the source as declared there: the order its index walks in (the
   * tracker declares some keys in another order than expmgr's model).
   */
  private List<String> pk(Table t) {
    return scope.pk(t);
  }

  private int indexOf(Table t, String column) {
    return columns(t).indexOf(column);
  }

  /** How each column of a table goes into the target (see {@link Values.Into}). */
  private Values.Into[] into(Table t) {
    return into.computeIfAbsent(
        t.name(),
        name -> {
          Catalog.TableInfo there = targetCatalog.table(name).orElseThrow();
          List<Catalog.ColumnInfo> cols = sourceCatalog.table(name).orElseThrow().columns();
          Values.Into[] out = new Values.Into[cols.size()];
          for (int i = 0; i < out.length; i++) {
            Catalog.ColumnInfo here = cols.get(i);
            boolean modelTime =
                t.column(here.name())
                        .map(col -> col.type() == io.expmgr.db.ColumnType.TIMESTAMP)
                        .orElse(false)
                    || here.isServerTime(sd.engine());
            out[i] =
                Values.Into.of(
                    d.engine(),
                    there.column(here.name()).orElseThrow(),
                    modelTime,
                    targetTimeStyle);
          }
          return out;
        });
  }

  /** Whether the source has rows in an optional table (the batch level). */
  private long rowsIn(Table t) {
    return source.withConnection(
        c -> {
          try (var st = c.createStatement();
              ResultSet rs = st.executeQuery("SELECT count(*) FROM " + q(t.name()))) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  private static void requireExperiment(Database db, long id, String which) {
    boolean found =
        db.withConnection(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT 1 FROM "
                          + db.dialect().quote("EXPERIMENT")
                          + " WHERE "
                          + db.dialect().quote("id")
                          + " = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                  return rs.next();
                }
              }
            });
    if (!found) {
      throw new NotFoundException(
          "the " + which + " experiment " + id + " does not exist in " + db.identity());
    }
  }

  // ---------------------------------------------------------------- what belongs to the experiment

  /** The kind of id a column holds, or null: the offset that maps it. */
  static String kindOf(Table table, String column) {
    return io.expmgr.db.IdKinds.of(table.name(), column);
  }

  private String q(String name) {
    return sd.quote(name);
  }

  private void measureFrom(Connection c, java.util.Queue<Table> queue, Map<String, Measure> out)
      throws SQLException {
    Table t;
    while ((t = queue.poll()) != null) {
      long[] b = scope.leadBounds(c, t);
      long n = b == null ? 0 : b[2];
      out.put(t.name(), new Measure(b == null ? null : new long[] {b[0], b[1]}, n));
    }
  }

  // ---------------------------------------------------------------- planning and resuming

  private Connection sourceConnection(Connection target) {
    if (sameDatabase) {
      return target;
    }
    if (sourceConnection == null) {
      sourceConnection = source.connect();
    }
    return sourceConnection;
  }

  @Override
  void release() {
    settle(ahead);
    ahead = null;
    close(aheadConnection, "read-ahead");
    aheadConnection = null;
    close(sourceConnection, "source");
    sourceConnection = null;
  }

  private void measureSource(Connection src) throws SQLException {
    measureSource(src, null);
  }

  /** A table's first-key bounds (null: no rows) and its number of rows in the experiment. */
  private record Measure(long[] bounds, long count) {}

  /**
   * Measures every table of the experiment: bounds and counts. With {@code helper}, a second
   * connection to it takes tables from the same queue, so the big ones are measured side by side;
   * without, as on the target inside its last transaction, {@code src} measures them all.
   */
  private void measureSource(Connection src, Database helper) throws SQLException {
    scope.measureMembers(src);
    bounds = new LinkedHashMap<>();
    sourceCounts = new LinkedHashMap<>();
    total = 0;
    java.util.Queue<Table> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(phases);
    Map<String, Measure> measured = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.Future<?> second = null;
    if (helper != null) {
      second =
          READER.submit(
              () -> {
                try (Connection h = helper.connect()) {
                  measureFrom(h, queue, measured);
                } catch (SQLException e) {
                  throw new DataAccessException(helper.describe(e), e);
                }
                return null;
              });
    }
    try {
      measureFrom(src, queue, measured);
    } finally {
      if (second != null) {
        queue.clear();
        await(second);
      }
    }
    for (Table t : phases) {
      Measure m = measured.get(t.name());
      bounds.put(t.name(), m.bounds());
      sourceCounts.put(t.name(), m.count());
      total += m.count();
    }
  }

  /**
   * The first id above every id of each kind and every reference to one, in the target: one max()
   * per column, each answered from an index.
   */
  private Map<String, Long> nextIds(Connection c) throws SQLException {
    return io.expmgr.db.IdKinds.nextIds(c, d, SchemaMigrator.schemaOf(db), targetCatalog, "");
  }

  @Override
  Map<String, Object> plan(Connection c) throws SQLException {
    long t0 = System.nanoTime();
    // The target's highest ids are read beside the measuring, on a connection of their own (a
    // pass over each table that no index answers, on users' databases).
    java.util.concurrent.Future<Map<String, Long>> ids =
        READER.submit(
            () -> {
              try (Connection other = db.connect()) {
                return nextIds(other);
              } catch (SQLException e) {
                throw new DataAccessException(db.describe(e), e);
              }
            });
    Map<String, Long> next;
    try {
      measureSource(sourceConnection(c), source);
    } finally {
      next = await(ids);
    }
    log.debug(
        "measured the experiment and the target's ids in {} ms",
        (System.nanoTime() - t0) / 1_000_000);
    next = new LinkedHashMap<>(next);
    reserve(c, next);
    newExperimentId = intoExperimentId != null ? intoExperimentId : next.get("EXPERIMENT");
    offsets = new LinkedHashMap<>();
    for (String kind : List.of("TRIAL", "TRIAL_RUN", "METRIC", "ARTIFACT")) {
      String table = kind;
      long[] b = bounds.get(table);
      offsets.put(kind, b == null ? 0L : next.get(kind) - b[0]);
    }
    phase = 0;
    after = null;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("source", source.identity());
    p.put("source_experiment_id", sourceExperimentId);
    p.put("into_experiment_id", intoExperimentId);
    p.put("new_experiment_id", newExperimentId);
    p.put("offsets", offsets);
    Map<String, Object> b = new LinkedHashMap<>();
    bounds.forEach((k, v) -> b.put(k, v == null ? null : List.of(v[0], v[1])));
    p.put("bounds", b);
    p.put("source_counts", sourceCounts);
    Map<String, Object> ranges = new LinkedHashMap<>();
    scope
        .owned()
        .forEach((k, v) -> ranges.put(k, v.stream().map(r -> List.of(r[0], r[1])).toList()));
    p.put("owned_ranges", ranges);
    return p;
  }

  /**
   * Keeps the planned ids of each kind from other writers for the whole run, in the transaction
   * that records it: the engine's generated ids are moved above the range ({@link
   * Dialect#reserveIds}), and a range another writer took meanwhile (between reading the highest
   * ids and reserving) is moved above what is there now, before anything is written.
   */
  private void reserve(Connection c, Map<String, Long> next) throws SQLException {
    io.expmgr.db.Schema schema = SchemaMigrator.schemaOf(db);
    for (String kind : List.of("EXPERIMENT", "TRIAL", "TRIAL_RUN", "METRIC", "ARTIFACT")) {
      long span;
      if (kind.equals("EXPERIMENT")) {
        if (intoExperimentId != null) {
          continue;
        }
        span = 0;
      } else {
        long[] b = bounds.get(kind);
        if (b == null) {
          continue;
        }
        span = b[1] - b[0];
      }
      Table t = schema.table(kind);
      for (int attempt = 0; ; attempt++) {
        long lo = next.get(kind);
        long hi = lo + span;
        boolean reserved;
        try {
          reserved = d.reserveIds(c, t, "id", hi);
        } catch (SQLException e) {
          log.warn("could not reserve ids {}..{} of {}: {}", lo, hi, kind, e.getMessage());
          reserved = false;
        }
        long taken =
            scalar(
                c,
                "SELECT count(*) FROM "
                    + d.quote(kind)
                    + " WHERE "
                    + d.quote("id")
                    + " BETWEEN "
                    + lo
                    + " AND "
                    + hi);
        if (taken == 0) {
          log.debug("{} ids {}..{} {}", kind, lo, hi, reserved ? "reserved" : "planned");
          break;
        }
        if (attempt == 5) {
          throw new io.expmgr.ConflictException(
              "other writers keep taking the ids planned for "
                  + kind
                  + "; nothing was written: run the command again");
        }
        long max = scalar(c, "SELECT max(" + d.quote("id") + ") FROM " + d.quote(kind));
        next.put(kind, max + 1);
      }
    }
  }

  private static long scalar(Connection c, String sql) throws SQLException {
    try (var st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  void resumeFrom(MigrationRun run) {
    Map<String, Object> p = run.params();
    if (run.batches() == 0 && run.processed() == 0) {
      // It wrote nothing: planned again against the target as it is now, since another writer
      // may have taken the ids it planned; so a resume always makes progress.
      p =
          db.inTransaction(
              c -> {
                Map<String, Object> fresh = new LinkedHashMap<>(run.params());
                fresh.putAll(plan(c));
                RunLedger.replan(c, d, run.runId(), fresh, newExperimentId);
                return fresh;
              });
      log.info("run {} wrote nothing before it stopped: planned again", run.runId());
    }
    offsets = new LinkedHashMap<>();
    ((Map<String, Object>) p.get("offsets"))
        .forEach((k, v) -> offsets.put(k, ((Number) v).longValue()));
    bounds = new LinkedHashMap<>();
    ((Map<String, Object>) p.get("bounds"))
        .forEach(
            (k, v) -> {
              List<Number> l = (List<Number>) v;
              bounds.put(
                  k, l == null ? null : new long[] {l.get(0).longValue(), l.get(1).longValue()});
            });
    sourceCounts = new LinkedHashMap<>();
    ((Map<String, Object>) p.get("source_counts"))
        .forEach((k, v) -> sourceCounts.put(k, ((Number) v).longValue()));
    newExperimentId = ((Number) p.get("new_experiment_id")).longValue();
    Map<String, List<long[]>> owned = new LinkedHashMap<>();
    ((Map<String, Object>) p.get("owned_ranges"))
        .forEach(
            (k, v) -> {
              List<long[]> ranges = new ArrayList<>();
              for (Object r : (List<Object>) v) {
                List<Number> pair = (List<Number>) r;
                ranges.add(new long[] {pair.get(0).longValue(), pair.get(1).longValue()});
              }
              owned.put(k, ranges);
            });
    scope.restoreOwned(owned);
    phase = 0;
    after = null;
    rows.clear();
    if (run.checkpoint() != null) {
      Map<String, Object> cp = RunLedger.mapOf(run.checkpoint());
      phase = ((Number) cp.get("phase")).intValue();
      after = (List<Object>) cp.get("after");
      ((Map<String, Object>) cp.get("rows"))
          .forEach((k, v) -> rows.put(k, ((Number) v).longValue()));
    }
    source.withConnection(
        c -> {
          scope.measureMembers(c);
          return null;
        });
  }

  @Override
  void prepareWriter(Connection c) throws SQLException {
    // Links to epochs, batches or results that do not exist are copied as the source holds them;
    // every other reference is to a row the run copied first.
    d.suspendForeignKeyChecks(c);
  }

  // ---------------------------------------------------------------- batches

  /** The next rows of a table after a key, in key order, each value as the source stores it. */
  private List<Object[]> read(Connection src, Table t, List<Object> afterKey, int n)
      throws SQLException {
    long[] range = bounds.get(t.name());
    if (range == null) {
      return List.of();
    }
    String cols = columns(t).stream().map(col -> "x." + q(col)).collect(Collectors.joining(", "));
    if (ExperimentScope.isMember(t)) {
      Long from = afterKey == null ? null : ((Number) afterKey.get(0)).longValue();
      while (true) {
        List<long[]> w = scope.window(t, bounds.get(t.name()), from, n);
        if (w.isEmpty()) {
          return List.of();
        }
        List<Object[]> out =
            query(
                src,
                t,
                "SELECT "
                    + cols
                    + " FROM "
                    + q(t.name())
                    + " x WHERE "
                    + IdWindows.condition("x." + q("id"), w)
                    + " ORDER BY x."
                    + q("id"),
                List.of());
        if (!out.isEmpty()) {
          return out;
        }
        from = w.get(w.size() - 1)[1]; // deleted since the run began: on to the next window
      }
    }
    List<String> pk = pk(t);
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(cols)
            .append(" FROM ")
            .append(q(t.name()))
            .append(" x WHERE ")
            // One lower bound only: given two, SQLite may start its range at the lower one.
            .append(
                afterKey == null ? scope.rangeCondition(t, "x") : "x." + q(pk.get(0)) + " <= ?");
    List<Object> params = new ArrayList<>();
    if (afterKey == null) {
      params.add(range[0]);
      params.add(range[1]);
    } else {
      params.add(range[1]);
      sql.append(" AND ").append(sd.afterKey(pk.stream().map(k -> "x." + q(k)).toList()));
      params.addAll(sd.afterKeyParameters(afterKey));
    }
    sql.append(" AND ")
        .append(scope.condition(t, "x", afterKey != null))
        .append(" ORDER BY ")
        .append(pk.stream().map(k -> "x." + q(k)).collect(Collectors.joining(", ")))
        .append(" LIMIT ")
        .append(n);
    return query(src, t, sql.toString(), params);
  }

  private List<Object[]> query(Connection src, Table t, String sql, List<Object> params)
      throws SQLException {
    List<Catalog.ColumnInfo> info = sourceCatalog.table(t.name()).orElseThrow().columns();
    List<Object[]> out = new ArrayList<>();
    try (PreparedStatement ps = src.prepareStatement(sql)) {
      bindAll(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Object[] row = new Object[info.size()];
          for (int i = 0; i < row.length; i++) {
            row[i] = Values.read(rs, i + 1, info.get(i), sd.engine());
          }
          out.add(row);
        }
      }
    }
    return out;
  }

  private List<Object> keyOf(Table t, Object[] row) {
    List<Object> key = new ArrayList<>();
    for (String k : pk(t)) {
      key.add(row[indexOf(t, k)]);
    }
    return key;
  }

  /** The row with its ids mapped to the target's. */
  private Object[] mapIds(Table t, Object[] row) {
    Object[] out = row.clone();
    List<String> cols = columns(t);
    for (int i = 0; i < out.length; i++) {
      String kind = kindOf(t, cols.get(i));
      if (kind == null || out[i] == null) {
        continue;
      }
      out[i] =
          kind.equals("EXPERIMENT")
              ? (Object) newExperimentId
              : (Object) (((Number) out[i]).longValue() + offsets.get(kind));
    }
    return out;
  }

  @Override
  boolean batch(Connection c, int n) throws SQLException {
    Connection src = sourceConnection(c);
    while (phase < phases.size()) {
      Table t = phases.get(phase);
      setPhase(t.name());
      if (copiesInPlace(t)) {
        if (batchInPlace(c, t, n)) {
          return true;
        }
        continue;
      }
      long r0 = System.nanoTime();
      List<Object[]> batch =
          ahead != null && aheadPhase == phase && java.util.Objects.equals(aheadAfter, after)
              ? awaitAhead()
              : read(src, t, after, n);
      ahead = null;
      readNanos.merge(t.name(), System.nanoTime() - r0, Long::sum);
      if (!batch.isEmpty()) {
        readAhead(t, keyOf(t, batch.get(batch.size() - 1)), n);
      }
      if (batch.isEmpty()) {
        log.debug("run {}: {} read in {} ms", runId, t.name(), readNanos.get(t.name()) / 1_000_000);
        phase++;
        after = null;
        continue;
      }
      List<Object[]> out = new ArrayList<>(batch.size());
      List<Object[]> failedRows = new ArrayList<>();
      Set<Object> existingTags = t.name().equals("EXPERIMENT_TAG") ? existingTags(c) : Set.of();
      int tagName = indexOf(t, "tag_name");
      for (Object[] row : batch) {
        Object[] mapped = mapIds(t, row);
        if (t.name().equals("METRIC") && !rules.transformations().isEmpty()) {
          transformMetric(t, row, mapped, failedRows);
        }
        if (t.name().equals("EXPERIMENT_TAG") && existingTags.contains(mapped[tagName])) {
          continue;
        }
        out.add(convert(t, row, mapped));
      }
      d.insertValues(c, t.name(), columns(t), out);
      RunLedger.recordFailures(c, d, runId, failedRows);
      after = keyOf(t, batch.get(batch.size() - 1));
      saveProgress(c, t, batch.size(), out.size());
      if (o.strategy().checksEachBatch()) {
        verifyInserted(c, t, out);
      }
      return true;
    }
    return false;
  }

  /**
   * The row's values as the target's columns take them: unchanged within SQLite, converted where
   * nothing is lost otherwise. A value the target cannot hold stops the run, which is then undone.
   */
  private Object[] convert(Table t, Object[] source, Object[] mapped) {
    if (sameDatabase) {
      return mapped;
    }
    Values.Into[] cols = into(t);
    for (int i = 0; i < mapped.length; i++) {
      try {
        mapped[i] = cols[i].convert(mapped[i], sd.engine());
      } catch (Values.Unstorable e) {
        throw new UndoRun(
            new InvalidInputException(
                t.name()
                    + "."
                    + columns(t).get(i)
                    + " of the source row "
                    + keyOf(t, source)
                    + " cannot be stored in "
                    + db.identity()
                    + ": "
                    + e.getMessage()));
      }
    }
    return mapped;
  }

  // ---------------------------------------------------------------- copying inside the database

  /**
   * Whether the database can copy a table's batches itself, with INSERT ... SELECT: the source is
   * the target, no row needs changing in Java (metrics with rules do), and the strategy does not
   * read each batch back. The experiment and its tags, one row and a few, take the row path.
   */
  private boolean copiesInPlace(Table t) {
    return sameDatabase
        && !o.strategy().checksEachBatch()
        && !t.name().equals("EXPERIMENT")
        && !t.name().equals("EXPERIMENT_TAG")
        && !(t.name().equals("METRIC") && !rules.transformations().isEmpty());
  }

  /**
   * One batch copied by the database: the key of the batch's last row is found first, then every
   * row of the experiment's from after the checkpoint up to it is inserted with its ids mapped by
   * arithmetic, in the same transaction as the checkpoint. Returns false when the table is done.
   */
  private boolean batchInPlace(Connection c, Table t, int n) throws SQLException {
    if (ExperimentScope.isMember(t)) {
      return membersInPlace(c, t, n);
    }
    long[] range = bounds.get(t.name());
    List<String> pk = pk(t);
    List<String> keyCols = pk.stream().map(k -> "x." + q(k)).toList();
    String order = String.join(", ", keyCols);
    long start = System.nanoTime();
    List<Object> upper = null;
    if (range != null) {
      List<Object> params = new ArrayList<>();
      // The batch's end: the key of the experiment's n-th row after the checkpoint, found by
      // walking the key's index from the checkpoint (so all batches together walk it once).
      String where = walkCondition(t, range, null, params);
      PreparedStatement ps =
          statement(
              c,
              "SELECT "
                  + order
                  + " FROM "
                  + q(t.name())
                  + " x WHERE "
                  + where
                  + " ORDER BY "
                  + order
                  + " LIMIT 1 OFFSET "
                  + (n - 1));
      bindAll(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          upper = new ArrayList<>();
          for (int i = 1; i <= pk.size(); i++) {
            upper.add(rs.getObject(i));
          }
        }
      }
    }
    int inserted = 0;
    long k0 = System.nanoTime();
    readNanos.merge(t.name() + ".key", k0 - start, Long::sum);
    if (range != null) {
      List<Object> params = new ArrayList<>();
      String where = walkCondition(t, range, upper, params);
      PreparedStatement ps = statement(c, insertSelect(t) + where + " ORDER BY " + order);
      bindAll(ps, params);
      inserted = ps.executeUpdate();
    }
    readNanos.merge(t.name() + ".insert", System.nanoTime() - k0, Long::sum);
    if (upper == null) {
      log.debug(
          "run {}: {} found its batches in {} ms and inserted them in {} ms",
          runId,
          t.name(),
          readNanos.getOrDefault(t.name() + ".key", 0L) / 1_000_000,
          readNanos.getOrDefault(t.name() + ".insert", 0L) / 1_000_000);
    }
    if (upper == null) {
      phase++;
      after = null;
    } else {
      after = upper;
    }
    if (inserted == 0) {
      return false;
    }
    saveProgress(c, t, inserted, inserted);
    return true;
  }

  /** {@code INSERT INTO t (...) SELECT ... FROM t x WHERE }, each id mapped by arithmetic. */
  private String insertSelect(Table t) {
    List<String> exprs = new ArrayList<>();
    for (String col : columns(t)) {
      String kind = kindOf(t, col);
      String ref = "x." + q(col);
      exprs.add(
          kind == null
              ? ref
              : kind.equals("EXPERIMENT")
                  ? "CASE WHEN " + ref + " IS NULL THEN NULL ELSE " + newExperimentId + " END"
                  : ref + " + " + offsets.get(kind));
    }
    return "INSERT INTO "
        + q(t.name())
        + " ("
        + columns(t).stream().map(this::q).collect(Collectors.joining(", "))
        + ") SELECT "
        + String.join(", ", exprs)
        + " FROM "
        + q(t.name())
        + " x WHERE ";
  }

  /** One batch of metrics or artifacts copied by the database: the next window of member ids. */
  private boolean membersInPlace(Connection c, Table t, int n) throws SQLException {
    long k0 = System.nanoTime();
    List<long[]> w =
        scope.window(
            t, bounds.get(t.name()), after == null ? null : ((Number) after.get(0)).longValue(), n);
    if (w.isEmpty()) {
      phase++;
      after = null;
      return false;
    }
    int inserted;
    try (var st = c.createStatement()) {
      inserted =
          st.executeUpdate(
              insertSelect(t) + IdWindows.condition("x." + q("id"), w) + " ORDER BY x." + q("id"));
    }
    readNanos.merge(t.name() + ".insert", System.nanoTime() - k0, Long::sum);
    after = List.of(w.get(w.size() - 1)[1]);
    if (inserted == 0) {
      return false;
    }
    saveProgress(c, t, inserted, inserted);
    return true;
  }

  /**
   * Counts a batch and writes the checkpoint (phase, last key, rows per table) in its transaction.
   */
  private void saveProgress(Connection c, Table t, int read, int written) throws SQLException {
    processed += read;
    rows.merge(t.name(), (long) written, Long::sum);
    batches++;
    Map<String, Object> cp = new LinkedHashMap<>();
    cp.put("phase", phase);
    cp.put("table", t.name());
    cp.put("after", after);
    cp.put("rows", rows);
    checkpoint(c, RunLedger.toJson(cp));
  }

  /** The writing connection's statements of the in-place copy, prepared once each. */
  private final Map<String, PreparedStatement> statements = new java.util.HashMap<>();

  private Connection statementsOf;

  /** A statement of the connection, prepared on first use (closed when the connection closes). */
  private PreparedStatement statement(Connection c, String sql) throws SQLException {
    if (c != statementsOf) {
      statements.clear();
      statementsOf = c;
    }
    PreparedStatement ps = statements.get(sql);
    if (ps == null || ps.isClosed()) {
      ps = c.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  /**
   * The condition of the experiment's rows of a table after the checkpoint and, when {@code upper}
   * is given, up to that key. Each end of the first key column is bounded once, so the engine's
   * index range starts and stops where the batch does.
   */
  private String walkCondition(Table t, long[] range, List<Object> upper, List<Object> params) {
    return keyRange(t, range, upper, params) + " AND " + scope.condition(t, "x", after != null);
  }

  /** The key range of {@link #walkCondition}, without the experiment's scope. */
  private String keyRange(Table t, long[] range, List<Object> upper, List<Object> params) {
    List<String> keyCols = pk(t).stream().map(k -> "x." + q(k)).toList();
    String lead = keyCols.get(0);
    // One bound at each end, each on the whole key where it can be: given a second bound on the
    // first column alone, SQLite may end its range there (all rows of one epoch, say) and read far
    // past the batch's last row.
    boolean wholeUpper = upper != null && keyCols.size() > 1;
    StringBuilder w = new StringBuilder();
    if (after == null) {
      w.append(lead).append(" >= ?");
      params.add(range[0]);
    } else {
      w.append(sd.afterKey(keyCols));
      params.addAll(sd.afterKeyParameters(after));
    }
    if (wholeUpper) {
      w.append(" AND ").append(sd.upToKey(keyCols));
      params.addAll(sd.afterKeyParameters(upper));
    } else {
      w.append(" AND ").append(lead).append(" <= ?");
      params.add(upper == null ? range[1] : upper.get(0));
    }
    return w.toString();
  }

  private static void bindAll(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      ps.setObject(i + 1, params.get(i));
    }
  }

  // ---------------------------------------------------------------- reading ahead

  /** The thread that reads a table's next batch from the source while this one is written. */
  private static final java.util.concurrent.ExecutorService READER =
      DaemonThreads.pool("expmgr-read-ahead", 2);

  private java.util.concurrent.Future<List<Object[]>> ahead;
  private int aheadPhase;
  private List<Object> aheadAfter;
  private Connection aheadConnection;
  private Boolean canReadAhead;

  /**
   * Starts reading the batch after {@code key} on a connection of its own. Used only when it cannot
   * block the writer: another database, a server, or SQLite in WAL mode. The batch is taken only if
   * the run then asks for exactly that position; otherwise it is read again.
   */
  private void readAhead(Table t, List<Object> key, int n) throws SQLException {
    if (canReadAhead == null) {
      canReadAhead = !sameDatabase || source.dialect().supportsConcurrentReader(source);
    }
    if (!canReadAhead) {
      return;
    }
    if (aheadConnection == null) {
      aheadConnection = source.connect();
    }
    Connection conn = aheadConnection;
    aheadPhase = phase;
    aheadAfter = key;
    ahead =
        READER.submit(
            () -> {
              try {
                return read(conn, t, key, n);
              } catch (SQLException e) {
                throw new DataAccessException(source.describe(e), e);
              }
            });
  }

  private List<Object[]> awaitAhead() {
    return await(ahead);
  }

  private Set<Object> existingTags(Connection c) throws SQLException {
    Set<Object> tags = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + d.quote("tag_name")
                + " FROM "
                + d.quote("EXPERIMENT_TAG")
                + " WHERE "
                + d.quote("experiment_id")
                + " = ?")) {
      ps.setLong(1, newExperimentId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tags.add(rs.getString(1));
        }
      }
    }
    return tags;
  }

  private void transformMetric(Table t, Object[] row, Object[] mapped, List<Object[]> failedRows) {
    List<String> names = columns(t);
    int type = names.indexOf("type");
    int total = names.indexOf("total_val");
    int labels = names.indexOf("per_label_val");
    int meta = names.indexOf("metadata");
    long id = ((Number) row[names.indexOf("id")]).longValue();
    Object totalVal = row[total];
    MetricTransformer.Outcome outcome =
        totalVal != null && !(totalVal instanceof Number)
            ? new MetricTransformer.Outcome(
                null,
                false,
                "total_val is not a number: '" + Values.abbreviate(totalVal.toString()) + "'")
            : transformer.apply(
                new MetricTransformer.MetricValues(
                    text(row[type]),
                    totalVal == null ? null : ((Number) totalVal).doubleValue(),
                    text(row[labels]),
                    meta < 0 ? null : text(row[meta])));
    if (outcome.failed()) {
      addFailure(id, outcome.failure());
      if (rules.rollbackOnError()) {
        throw new RollbackRequested(id, outcome.failure());
      }
      // Copied as it was: its links must not dangle, and the failure is on record.
      failedRows.add(new Object[] {id, outcome.failure()});
      return;
    }
    if (outcome.changed()) {
      MetricTransformer.MetricValues v = outcome.values();
      mapped[type] = v.type();
      mapped[total] = v.totalVal();
      mapped[labels] = v.perLabelVal();
      if (meta >= 0) {
        mapped[meta] = v.metadata();
      }
      changed++;
    }
  }

  private static String text(Object v) {
    return v == null
        ? null
        : v instanceof byte[] b
            ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
            : v.toString();
  }

  /** The conservative check: the batch's rows are in the target, found by their mapped keys. */
  private void verifyInserted(Connection c, Table t, List<Object[]> inserted) throws SQLException {
    List<String> pk = pk(t);
    String where = pk.stream().map(k -> d.quote(k) + " = ?").collect(Collectors.joining(" AND "));
    try (PreparedStatement ps =
        c.prepareStatement("SELECT count(*) FROM " + d.quote(t.name()) + " WHERE " + where)) {
      for (Object[] row : inserted) {
        for (int i = 0; i < pk.size(); i++) {
          Values.bind(ps, i + 1, row[indexOf(t, pk.get(i))]);
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(1) != 1) {
            throw new IllegalStateException(
                "a row copied into " + t.name() + " is not there after its batch; undone");
          }
        }
      }
    }
  }

  @Override
  String finish(Connection c) throws SQLException {
    List<String> mismatches = new ArrayList<>();
    for (Table t : phases) {
      long want = sourceCounts.getOrDefault(t.name(), 0L);
      long got = rows.getOrDefault(t.name(), 0L);
      if (t.name().equals("EXPERIMENT_TAG") && intoExperimentId != null) {
        continue;
      }
      if (got != want) {
        mismatches.add(t.name() + " " + got + " of " + want);
      }
    }
    if (intoExperimentId == null && o.strategy() != MigrationStrategy.AGGRESSIVE) {
      // Count what the new experiment holds in the target, by the same scopes (aggressive
      // trusts the row counts each batch's inserts reported).
      Map<String, Long> inTarget = targetCounts(c);
      for (Table t : phases) {
        long want = sourceCounts.getOrDefault(t.name(), 0L);
        long got = inTarget.getOrDefault(t.name(), 0L);
        if (got != want) {
          mismatches.add(t.name() + " holds " + got + " rows of the copy, not " + want);
        }
      }
    }
    if (!mismatches.isEmpty()) {
      throw new UndoRun(
          new DataAccessException(
              "the copy does not match the source ("
                  + String.join("; ", mismatches)
                  + "); was the source written to during the run?"));
    }
    return "copied experiment "
        + sourceExperimentId
        + " into experiment "
        + newExperimentId
        + ": "
        + processed
        + " rows, "
        + changed
        + " metrics transformed, "
        + failed
        + " failed";
  }

  /** The rows of each table that belong to the new experiment, counted in the target. */
  private Map<String, Long> targetCounts(Connection c) throws SQLException {
    ExperimentMigration view =
        new ExperimentMigration(db, db, newExperimentId, null, MigrationOptions.defaults());
    view.scope.measureOwned(c);
    // The copy is committed (the last batch found nothing more to write), so a second
    // connection sees it too and counts beside this one.
    view.measureSource(c, db);
    return view.sourceCounts;
  }

  @Override
  void undo() {
    // Deletes what the run inserted, children first, finding each row by its mapped key.
    for (int p = phases.size() - 1; p >= 0; p--) {
      Table t = phases.get(p);
      if (t.name().equals("EXPERIMENT_TAG") && intoExperimentId != null) {
        continue;
      }
      List<Object> key = null;
      while (true) {
        List<Object> from = key;
        List<Object> last =
            db.inTransaction(
                c -> {
                  List<Object[]> batch = read(sourceConnection(c), t, from, 1_000);
                  if (batch.isEmpty()) {
                    return null;
                  }
                  String where =
                      pk(t).stream()
                          .map(k -> d.quote(k) + " = ?")
                          .collect(Collectors.joining(" AND "));
                  try (PreparedStatement ps =
                      c.prepareStatement("DELETE FROM " + d.quote(t.name()) + " WHERE " + where)) {
                    for (Object[] row : batch) {
                      Object[] mapped = mapIds(t, row);
                      int i = 1;
                      for (String k : pk(t)) {
                        Values.bind(ps, i++, mapped[indexOf(t, k)]);
                      }
                      ps.addBatch();
                    }
                    ps.executeBatch();
                  }
                  return keyOf(t, batch.get(batch.size() - 1));
                });
        if (last == null) {
          break;
        }
        key = last;
      }
    }
    log.info("{} run {}: undone", KIND, runId);
  }

  @Override
  MigrationResult dryRun() {
    long t0 = System.nanoTime();
    return source.withConnection(
        c -> {
          measureSource(c);
          Table metric = sourceSchema.table("METRIC");
          if (!rules.transformations().isEmpty()) {
            List<Object> key = null;
            while (true) {
              List<Object[]> batch = read(c, metric, key, 1_000);
              if (batch.isEmpty()) {
                break;
              }
              for (Object[] row : batch) {
                try {
                  transformMetric(metric, row, row.clone(), new ArrayList<>());
                } catch (RollbackRequested e) {
                  // A real run would stop and undo here; a dry run counts and goes on.
                }
              }
              key = keyOf(metric, batch.get(batch.size() - 1));
            }
          }
          Map<String, Long> m = new LinkedHashMap<>(sourceCounts);
          m.put("would_change", changed);
          m.put("unchanged", sourceCounts.getOrDefault("METRIC", 0L) - changed - failed);
          return dryRunResult(total, changed, m, t0);
        });
  }
}
