package io.expmgr.api;

import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.db.Times;
import io.expmgr.schema.SchemaMigrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The experiment database, in the terms of the FAQ's Python {@code DatabaseManager}: open SQLite or
 * MySQL, create and read experiments, trials, runs, epochs, results, metrics and artifacts, and run
 * raw parameterized queries for custom checks.
 *
 * <pre>{@code
 * try (DatabaseManager db = DatabaseManager.builder()
 *         .databasePath("production").host("prod-db.company.com").user("analyst")
 *         .useSqlite(false).open()) {
 *   long exp = db.createExperiment("resnet sweep", "lr 1e-3..1e-1");
 * }
 * }</pre>
 *
 * <p>A manager holds one connection, opened on first use, in auto-commit mode: every create is its
 * own transaction unless grouped with {@link #inTransaction(Runnable)}. Not thread-safe; open one
 * manager per thread.
 */
public final class DatabaseManager implements AutoCloseable {
  private final Database db;
  private final Dialect d;
  private Connection connection;

  private DatabaseManager(Database db) {
    this.db = db;
    this.d = db.dialect();
  }

  /**
   * Opens an existing experiment database.
   *
   * @throws io.expmgr.ConnectionException when it cannot be reached
   * @throws io.expmgr.SchemaException when it lacks experiment tables or columns
   */
  public static DatabaseManager open(ConnectionConfig config) {
    Database db = Database.open(config, OpenMode.EXISTING);
    SchemaCheck.require(db, Schema.v1());
    return new DatabaseManager(db);
  }

  /**
   * Opens a database, creating it (SQLite file or MySQL database) and the current schema when
   * missing or empty.
   */
  public static DatabaseManager create(ConnectionConfig config) {
    Database db = Database.open(config, OpenMode.CREATE);
    SchemaMigrator.migrateToCurrent(db);
    SchemaCheck.require(db, Schema.v1());
    return new DatabaseManager(db);
  }

  /** Opens an existing SQLite experiment database. */
  public static DatabaseManager sqlite(Path file) {
    return open(ConnectionConfig.sqlite(file));
  }

  /** Wraps an already opened {@link Database} whose schema the caller has checked. */
  public static DatabaseManager of(Database db) {
    return new DatabaseManager(db);
  }

  /** A builder of a manager: where the database is and how to open it. */
  public static Builder builder() {
    return new Builder();
  }

  /** The database this manager works on. */
  public Database database() {
    return db;
  }

  // ---------------------------------------------------------------- writes

  /** Creates an experiment started and updated now; returns its id. */
  public long createExperiment(String title, String desc) {
    LocalDateTime now = now();
    return createExperiment(title, desc, now, now);
  }

  /** Creates an experiment with the given times; returns its id. */
  public long createExperiment(
      String title, String desc, LocalDateTime startTime, LocalDateTime updateTime) {
    requireText("title", title);
    return insertReturningId(
        "INSERT INTO "
            + t("EXPERIMENT")
            + " ("
            + c("title")
            + ", "
            + c("desc")
            + ", "
            + c("start_time")
            + ", "
            + c("update_time")
            + ") VALUES (?, ?, ?, ?)",
        title,
        desc,
        startTime,
        updateTime);
  }

  /** Creates a trial of an experiment, started and updated now; returns its id. */
  public long createTrial(long experimentId, String name) {
    LocalDateTime now = now();
    return createTrial(experimentId, name, now, now);
  }

  /** Creates a trial of an experiment with the given times; returns its id. */
  public long createTrial(
      long experimentId, String name, LocalDateTime startTime, LocalDateTime updateTime) {
    requireText("name", name);
    return insertReturningId(
        "INSERT INTO "
            + t("TRIAL")
            + " ("
            + c("name")
            + ", "
            + c("experiment_id")
            + ", "
            + c("start_time")
            + ", "
            + c("update_time")
            + ") VALUES (?, ?, ?, ?)",
        name,
        experimentId,
        startTime,
        updateTime);
  }

  /** Creates a run of a trial with a status, started and updated now; returns its id. */
  public long createTrialRun(long trialId, String status) {
    LocalDateTime now = now();
    return createTrialRun(trialId, status, now, now);
  }

  /** Creates a run of a trial with the given status and times; returns its id. */
  public long createTrialRun(
      long trialId, String status, LocalDateTime startTime, LocalDateTime updateTime) {
    return insertReturningId(
        "INSERT INTO "
            + t("TRIAL_RUN")
            + " ("
            + c("trial_id")
            + ", "
            + c("status")
            + ", "
            + c("start_time")
            + ", "
            + c("update_time")
            + ") VALUES (?, ?, ?, ?)",
        trialId,
        status,
        startTime,
        updateTime);
  }

  /** Records epoch {@code idx} of a run. */
  public void createEpoch(long trialRunId, int idx, LocalDateTime time) {
    update(
        "INSERT INTO "
            + t("EPOCH")
            + " ("
            + c("idx")
            + ", "
            + c("trial_run_id")
            + ", "
            + c("time")
            + ") VALUES (?, ?, ?)",
        idx,
        trialRunId,
        time);
  }

  /** Records the results of a run (one per run). */
  public void createResults(long trialRunId, LocalDateTime time) {
    update(
        "INSERT INTO "
            + t("RESULTS")
            + " ("
            + c("trial_run_id")
            + ", "
            + c("time")
            + ") VALUES (?, ?)",
        trialRunId,
        time);
  }

  /**
   * Records a metric; returns its id.
   *
   * @param perLabel label to value, written as a JSON object in map order; null for none
   * @throws InvalidInputException when a value is NaN or infinite
   */
  public long recordMetric(String type, Double totalVal, Map<String, Double> perLabel) {
    if (totalVal != null && !Double.isFinite(totalVal)) {
      throw new InvalidInputException(
          "metric " + type + ": total_val must be a finite number, got " + totalVal);
    }
    if (perLabel != null) {
      perLabel.forEach(
          (k, v) -> {
            if (v == null || !Double.isFinite(v)) {
              throw new InvalidInputException(
                  "metric " + type + ": label '" + k + "' must be a finite number, got " + v);
            }
          });
    }
    return recordMetricJson(type, totalVal, Metric.toJson(perLabel));
  }

  /** Records a metric whose per-label values are given as JSON text, stored exactly as given. */
  public long recordMetricJson(String type, Double totalVal, String perLabelJson) {
    requireText("type", type);
    return insertReturningId(
        "INSERT INTO "
            + t("METRIC")
            + " ("
            + c("type")
            + ", "
            + c("total_val")
            + ", "
            + c("per_label_val")
            + ") VALUES (?, ?, ?)",
        type,
        totalVal,
        perLabelJson);
  }

  /** Records an artifact; returns its id. */
  public long recordArtifact(String type, String loc) {
    requireText("type", type);
    return insertReturningId(
        "INSERT INTO " + t("ARTIFACT") + " (" + c("type") + ", " + c("loc") + ") VALUES (?, ?)",
        type,
        loc);
  }

  /** Links a metric to an epoch of a run. */
  public void linkEpochMetric(long trialRunId, int epochIdx, long metricId) {
    link(
        "EPOCH_METRIC",
        "epoch_idx",
        "epoch_trial_run_id",
        "metric_id",
        epochIdx,
        trialRunId,
        metricId);
  }

  /** Links a metric to a run's results. */
  public void linkResultsMetric(long trialRunId, long metricId) {
    link("RESULTS_METRIC", "results_id", "metric_id", trialRunId, metricId);
  }

  /** Links an artifact to an experiment. */
  public void linkExperimentArtifact(long experimentId, long artifactId) {
    link("EXPERIMENT_ARTIFACT", "experiment_id", "artifact_id", experimentId, artifactId);
  }

  /** Links an artifact to a trial. */
  public void linkTrialArtifact(long trialId, long artifactId) {
    link("TRIAL_ARTIFACT", "trial_id", "artifact_id", trialId, artifactId);
  }

  /** Links an artifact to a run. */
  public void linkTrialRunArtifact(long trialRunId, long artifactId) {
    link("TRIAL_RUN_ARTIFACT", "trial_run_id", "artifact_id", trialRunId, artifactId);
  }

  /** Links an artifact to a run's results. */
  public void linkResultsArtifact(long trialRunId, long artifactId) {
    link("RESULTS_ARTIFACT", "results_id", "artifact_id", trialRunId, artifactId);
  }

  /** Links an artifact to an epoch of a run. */
  public void linkEpochArtifact(long trialRunId, int epochIdx, long artifactId) {
    link(
        "EPOCH_ARTIFACT",
        "epoch_idx",
        "epoch_trial_run_id",
        "artifact_id",
        epochIdx,
        trialRunId,
        artifactId);
  }

  /** Records a metric and hangs it on an epoch; returns the metric id. */
  public long addEpochMetric(
      long trialRunId, int epochIdx, String type, Double totalVal, Map<String, Double> perLabel) {
    long id = recordMetric(type, totalVal, perLabel);
    linkEpochMetric(trialRunId, epochIdx, id);
    return id;
  }

  /** Records a metric and hangs it on a run's results; returns the metric id. */
  public long addResultsMetric(
      long trialRunId, String type, Double totalVal, Map<String, Double> perLabel) {
    long id = recordMetric(type, totalVal, perLabel);
    linkResultsMetric(trialRunId, id);
    return id;
  }

  // ---------------------------------------------------------------- reads

  /** The experiment with this id, if there is one. */
  public Optional<Experiment> getExperiment(long id) {
    return first(
        queryRows(select("EXPERIMENT") + " WHERE " + c("id") + " = ?", this::experiment, id));
  }

  /** All experiments, by id. */
  public List<Experiment> listExperiments() {
    return queryRows(select("EXPERIMENT") + " ORDER BY " + c("id"), this::experiment);
  }

  /** An experiment's trials, by id. */
  public List<Trial> getTrials(long experimentId) {
    return queryRows(
        select("TRIAL") + " WHERE " + c("experiment_id") + " = ? ORDER BY " + c("id"),
        this::trial,
        experimentId);
  }

  /** The trial with this id, if there is one. */
  public Optional<Trial> getTrial(long id) {
    return first(queryRows(select("TRIAL") + " WHERE " + c("id") + " = ?", this::trial, id));
  }

  /** A trial's runs, by id. */
  public List<TrialRun> getTrialRuns(long trialId) {
    return queryRows(
        select("TRIAL_RUN") + " WHERE " + c("trial_id") + " = ? ORDER BY " + c("id"),
        this::trialRun,
        trialId);
  }

  /** The run with this id, if there is one. */
  public Optional<TrialRun> getTrialRun(long id) {
    return first(queryRows(select("TRIAL_RUN") + " WHERE " + c("id") + " = ?", this::trialRun, id));
  }

  /** A run's epochs, by index. */
  public List<Epoch> getEpochs(long trialRunId) {
    return queryRows(
        select("EPOCH") + " WHERE " + c("trial_run_id") + " = ? ORDER BY " + c("idx"),
        this::epoch,
        trialRunId);
  }

  /** A run's results, if it has any. */
  public Optional<Results> getResults(long trialRunId) {
    return first(
        queryRows(
            select("RESULTS") + " WHERE " + c("trial_run_id") + " = ?",
            rs -> new Results(rs.getLong(1), d.getTime(rs, 2)),
            trialRunId));
  }

  /** The metric with this id, if there is one. */
  public Optional<Metric> getMetric(long id) {
    return first(queryRows(select("METRIC") + " WHERE " + c("id") + " = ?", this::metric, id));
  }

  /** The metrics linked to an epoch of a run. */
  public List<Metric> getEpochMetrics(long trialRunId, int epochIdx) {
    return queryRows(
        metricsVia("EPOCH_METRIC")
            + " WHERE l."
            + c("epoch_trial_run_id")
            + " = ? AND l."
            + c("epoch_idx")
            + " = ? ORDER BY m."
            + c("id"),
        this::metric,
        trialRunId,
        epochIdx);
  }

  /** The metrics linked to a run's results. */
  public List<Metric> getResultsMetrics(long trialRunId) {
    return queryRows(
        metricsVia("RESULTS_METRIC") + " WHERE l." + c("results_id") + " = ? ORDER BY m." + c("id"),
        this::metric,
        trialRunId);
  }

  /** The artifacts linked to an experiment. */
  public List<Artifact> getExperimentArtifacts(long experimentId) {
    return artifactsVia("EXPERIMENT_ARTIFACT", "experiment_id", experimentId);
  }

  /** The artifacts linked to a trial. */
  public List<Artifact> getTrialArtifacts(long trialId) {
    return artifactsVia("TRIAL_ARTIFACT", "trial_id", trialId);
  }

  /** The artifacts linked to a run. */
  public List<Artifact> getTrialRunArtifacts(long trialRunId) {
    return artifactsVia("TRIAL_RUN_ARTIFACT", "trial_run_id", trialRunId);
  }

  /** The artifacts linked to a run's results. */
  public List<Artifact> getResultsArtifacts(long trialRunId) {
    return artifactsVia("RESULTS_ARTIFACT", "results_id", trialRunId);
  }

  /** The artifacts linked to an epoch of a run. */
  public List<Artifact> getEpochArtifacts(long trialRunId, int epochIdx) {
    return queryRows(
        "SELECT a."
            + c("id")
            + ", a."
            + c("type")
            + ", a."
            + c("loc")
            + " FROM "
            + t("ARTIFACT")
            + " a JOIN "
            + t("EPOCH_ARTIFACT")
            + " l ON l."
            + c("artifact_id")
            + " = a."
            + c("id")
            + " WHERE l."
            + c("epoch_trial_run_id")
            + " = ? AND l."
            + c("epoch_idx")
            + " = ? ORDER BY a."
            + c("id"),
        this::artifact,
        trialRunId,
        epochIdx);
  }

  /** The number of rows in a table of the schema. */
  public long count(String table) {
    String name = Schema.current().table(table).name();
    return queryRows("SELECT count(*) FROM " + t(name), rs -> rs.getLong(1)).get(0);
  }

  // ---------------------------------------------------------------- raw SQL

  /**
   * Runs a parameterized query and returns its rows as maps of column label to value (times as text
   * on SQLite). For custom checks; the result is held in memory, so bound it in the SQL.
   */
  public List<Map<String, Object>> query(String sql, Object... params) {
    return queryRows(
        sql,
        rs -> {
          ResultSetMetaData md = rs.getMetaData();
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            row.put(md.getColumnLabel(i), rs.getObject(i));
          }
          return row;
        },
        params);
  }

  /** Runs a parameterized query, streaming each row to {@code consumer}; memory stays flat. */
  public void forEachRow(String sql, RowConsumer consumer, Object... params) {
    run(
        c -> {
          try (PreparedStatement ps = d.prepareStreaming(c, sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                consumer.accept(rs);
              }
            }
          }
          return null;
        },
        sql);
  }

  /** Runs a parameterized INSERT, UPDATE or DELETE; returns the number of rows changed. */
  public int update(String sql, Object... params) {
    return run(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
          }
        },
        sql);
  }

  /**
   * Runs work in one transaction on this manager's connection: everything the work does through
   * this manager is committed together, or rolled back together if it throws.
   */
  public void inTransaction(Runnable work) {
    run(
        c ->
            Database.inTransaction(
                c,
                x -> {
                  work.run();
                  return null;
                }),
        "transaction");
  }

  /** A row callback that may throw {@link SQLException}. */
  @FunctionalInterface
  public interface RowConsumer {
    /** Takes one row; the result set must not be kept. */
    void accept(ResultSet row) throws SQLException;
  }

  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  @Override
  public void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        throw new DataAccessException(db.describe(e), e);
      } finally {
        connection = null;
      }
    }
  }

  // ---------------------------------------------------------------- plumbing

  private Connection connection() {
    if (connection == null) {
      connection = db.connect();
    }
    return connection;
  }

  private <T> T run(io.expmgr.db.SqlFunction<Connection, T> work, String sql) {
    try {
      return work.apply(connection());
    } catch (SQLException e) {
      throw new DataAccessException(db.describe(e) + " [" + sql + "]", e);
    }
  }

  private <T> List<T> queryRows(String sql, RowMapper<T> mapper, Object... params) {
    return run(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(mapper.map(rs));
              }
            }
            return rows;
          }
        },
        sql);
  }

  private long insertReturningId(String sql, Object... params) {
    return run(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            bind(ps, params);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
              if (!keys.next()) {
                throw new SQLException("no id was generated");
              }
              return keys.getLong(1);
            }
          }
        },
        sql);
  }

  private void link(String table, String a, String b, Object va, Object vb) {
    update("INSERT INTO " + t(table) + " (" + c(a) + ", " + c(b) + ") VALUES (?, ?)", va, vb);
  }

  private void link(String table, String a, String b, String x, Object va, Object vb, Object vx) {
    update(
        "INSERT INTO " + t(table) + " (" + c(a) + ", " + c(b) + ", " + c(x) + ") VALUES (?, ?, ?)",
        va,
        vb,
        vx);
  }

  private void bind(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof LocalDateTime time) {
        d.setTime(ps, i + 1, Times.normalize(time));
      } else {
        ps.setObject(i + 1, p);
      }
    }
  }

  private String select(String table) {
    return io.expmgr.db.Sql.selectAll(Schema.current().table(table), d);
  }

  private String metricsVia(String linkTable) {
    return "SELECT m."
        + c("id")
        + ", m."
        + c("type")
        + ", m."
        + c("total_val")
        + ", m."
        + c("per_label_val")
        + " FROM "
        + t("METRIC")
        + " m JOIN "
        + t(linkTable)
        + " l ON l."
        + c("metric_id")
        + " = m."
        + c("id");
  }

  private List<Artifact> artifactsVia(String linkTable, String parentColumn, long parentId) {
    return queryRows(
        "SELECT a."
            + c("id")
            + ", a."
            + c("type")
            + ", a."
            + c("loc")
            + " FROM "
            + t("ARTIFACT")
            + " a JOIN "
            + t(linkTable)
            + " l ON l."
            + c("artifact_id")
            + " = a."
            + c("id")
            + " WHERE l."
            + c(parentColumn)
            + " = ? ORDER BY a."
            + c("id"),
        this::artifact,
        parentId);
  }

  private Experiment experiment(ResultSet rs) throws SQLException {
    return new Experiment(
        rs.getLong(1), rs.getString(2), rs.getString(3), d.getTime(rs, 4), d.getTime(rs, 5));
  }

  private Trial trial(ResultSet rs) throws SQLException {
    return new Trial(
        rs.getLong(1), rs.getString(2), rs.getLong(3), d.getTime(rs, 4), d.getTime(rs, 5));
  }

  private TrialRun trialRun(ResultSet rs) throws SQLException {
    return new TrialRun(
        rs.getLong(1), rs.getLong(2), rs.getString(3), d.getTime(rs, 4), d.getTime(rs, 5));
  }

  private Epoch epoch(ResultSet rs) throws SQLException {
    return new Epoch(rs.getInt(1), rs.getLong(2), d.getTime(rs, 3));
  }

  private Metric metric(ResultSet rs) throws SQLException {
    double total = rs.getDouble(3);
    Double totalVal = rs.wasNull() ? null : total;
    return new Metric(rs.getLong(1), rs.getString(2), totalVal, rs.getString(4));
  }

  private Artifact artifact(ResultSet rs) throws SQLException {
    return new Artifact(rs.getLong(1), rs.getString(2), rs.getString(3));
  }

  private String t(String table) {
    return d.quote(table);
  }

  private String c(String column) {
    return d.quote(column);
  }

  private static <T> Optional<T> first(List<T> rows) {
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private static LocalDateTime now() {
    return Times.normalize(LocalDateTime.now());
  }

  private static void requireText(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(what + " must not be empty");
    }
  }

  /**
   * Builds a manager the way the FAQ's Python constructor does: {@code DatabaseManager(
   * database_path=..., host=..., user=..., use_sqlite=...)}.
   */
  public static final class Builder {
    private String databasePath;
    private String host;
    private int port;
    private String user;
    private String password;
    private boolean useSqlite = true;
    private io.expmgr.db.Engine engine;
    private String url;
    private io.expmgr.db.SslMode ssl = io.expmgr.db.SslMode.AUTO;

    private Builder() {}

    /** SQLite file path, or the server's database name. Required unless {@link #url} is given. */
    public Builder databasePath(String value) {
      this.databasePath = value;
      return this;
    }

    /** Server host; default {@code localhost}. */
    public Builder host(String value) {
      this.host = value;
      return this;
    }

    /** Server port; default the engine's (3306 for MySQL, 5432 for PostgreSQL). */
    public Builder port(int value) {
      this.port = value;
      return this;
    }

    /** Server user; default the operating-system user. */
    public Builder user(String value) {
      this.user = value;
      return this;
    }

    /** Server password; default none. */
    public Builder password(String value) {
      this.password = value;
      return this;
    }

    /** Server encryption; default {@link io.expmgr.db.SslMode#AUTO}. */
    public Builder sslMode(io.expmgr.db.SslMode value) {
      this.ssl = value;
      return this;
    }

    /** SQLite (true, the default) or MySQL (false). */
    public Builder useSqlite(boolean value) {
      this.useSqlite = value;
      this.engine = null;
      return this;
    }

    /**
     * The engine by its label ({@code sqlite}, {@code mysql}, {@code postgres}), instead of {@link
     * #useSqlite}.
     */
    public Builder engine(String label) {
      this.engine = io.expmgr.db.Engine.forLabel(label);
      this.useSqlite = engine.dialect().isFileDatabase();
      return this;
    }

    /**
     * The whole connection as a URL ({@code sqlite:PATH}, {@code mysql://user@host/db}, {@code
     * postgresql://user@host:5432/db}); {@link #password} still applies when the URL has none.
     */
    public Builder url(String value) {
      this.url = value;
      return this;
    }

    /** The connection the builder describes so far. */
    public ConnectionConfig config() {
      if (url != null) {
        return io.expmgr.db.DatabaseUrl.parse("url", url, password, true);
      }
      ConnectionConfig c;
      if (useSqlite) {
        c = ConnectionConfig.sqlite(Path.of(databasePath == null ? "" : databasePath));
      } else if (engine != null) {
        c = new ConnectionConfig(engine, databasePath, host, port, user, password);
      } else {
        c = ConnectionConfig.mysql(host, port, databasePath, user, password);
      }
      return c.withSsl(ssl);
    }

    /** Opens an existing database; see {@link DatabaseManager#open}. */
    public DatabaseManager open() {
      return DatabaseManager.open(config());
    }

    /** Opens or creates a database with the current schema; see {@link DatabaseManager#create}. */
    public DatabaseManager create() {
      return DatabaseManager.create(config());
    }
  }
}
