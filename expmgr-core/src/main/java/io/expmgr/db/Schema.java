package io.expmgr.db;

import static io.expmgr.db.Column.optional;
import static io.expmgr.db.Column.required;
import static io.expmgr.db.ColumnType.DOUBLE;
import static io.expmgr.db.ColumnType.ID;
import static io.expmgr.db.ColumnType.INT;
import static io.expmgr.db.ColumnType.SHORT_TEXT;
import static io.expmgr.db.ColumnType.TEXT;
import static io.expmgr.db.ColumnType.TIMESTAMP;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The experiment-tracking schema, described once as data. Validation, cleanup, snapshots,
 * export/import and the generator walk this model instead of repeating table lists.
 *
 * <p>Tables are listed parents first, so creating or loading them in {@link #tables()} order never
 * meets a missing parent, and deleting in reverse order never leaves a dangling child.
 */
public final class Schema {

  /** The version string of the schema this model describes. */
  public static final String VERSION_1_0 = "1.0";

  public static final String VERSION_2_0 = "2.0";
  public static final String VERSION_2_1 = "2.1";

  private static final Schema V1_0 = buildV1();
  private static final Schema V2_0 = buildV2_0(V1_0);
  private static final Schema V2_1 = buildV2_1(V2_0);
  private static final List<Schema> VERSIONS = List.of(V1_0, V2_0, V2_1);

  /**
   * The batch level below the epoch ({@code BATCH}, {@code BATCH_METRIC}, {@code BATCH_ARTIFACT}),
   * which the tracker added in its latest version: part of every version's model, present in a
   * database or not. A database without it matches the version all the same.
   */
  public static final List<String> BATCH_LEVEL = List.of("BATCH", "BATCH_METRIC", "BATCH_ARTIFACT");

  private final String version;
  private final List<Table> tables;

  private Schema(String version, List<Table> tables) {
    this.version = version;
    this.tables = List.copyOf(tables);
  }

  /**
   * The schema of version 1.0: the fourteen tables of the product description and the tracker's
   * batch level ({@link #BATCH_LEVEL}).
   */
  public static Schema v1() {
    return V1_0;
  }

  /**
   * The schema new databases are created with: 1.0, the tables of the product description. Later
   * versions are applied deliberately, with {@code expmgr schema upgrade}.
   */
  public static Schema current() {
    return V1_0;
  }

  /** The newest schema this build knows. */
  public static Schema latest() {
    return V2_1;
  }

  /** Every version this build knows, oldest first. */
  public static List<Schema> versions() {
    return VERSIONS;
  }

  /** The model of a version this build knows. */
  public static Optional<Schema> forVersion(String version) {
    return VERSIONS.stream().filter(v -> v.version.equals(version)).findFirst();
  }

  public String version() {
    return version;
  }

  /**
   * The same schema with every table named {@code name + suffix} (foreign keys follow), for shadow
   * tables that are filled aside and then swapped in.
   */
  public Schema withSuffix(String suffix) {
    List<Table> renamed = new ArrayList<>();
    for (Table t : tables) {
      List<ForeignKey> fks = new ArrayList<>();
      for (ForeignKey fk : t.foreignKeys()) {
        fks.add(new ForeignKey(fk.columns(), fk.parentTable() + suffix, fk.parentColumns()));
      }
      renamed.add(new Table(t.name() + suffix, t.columns(), t.primaryKey(), fks, t.indexes()));
    }
    return new Schema(version, renamed);
  }

  /** Whether a table of the model may be absent from a database of its version. */
  public static boolean isOptional(String table) {
    return BATCH_LEVEL.stream().anyMatch(t -> t.equalsIgnoreCase(table));
  }

  /**
   * The model as a database that has these tables (upper-cased names) holds it: the optional tables
   * it lacks are left out, and so is a batch link table whose {@code BATCH} is missing (such a
   * table is not part of the hierarchy; it is carried as one of the database's other tables).
   */
  public Schema presentIn(java.util.Set<String> existingUpper) {
    boolean batches = existingUpper.contains("BATCH");
    List<Table> kept = new ArrayList<>();
    for (Table t : tables) {
      if (isOptional(t.name())
          && (!batches || !existingUpper.contains(t.name().toUpperCase(java.util.Locale.ROOT)))) {
        continue;
      }
      kept.add(t);
    }
    return kept.size() == tables.size() ? this : new Schema(version, kept);
  }

  /** Whether this model includes the batch level. */
  public boolean hasBatches() {
    return find("BATCH").isPresent();
  }

  /** All tables, parents before children. */
  public List<Table> tables() {
    return tables;
  }

  public List<String> tableNames() {
    return tables.stream().map(Table::name).toList();
  }

  public Optional<Table> find(String name) {
    return tables.stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
  }

  public Table table(String name) {
    return find(name)
        .orElseThrow(() -> new IllegalArgumentException("no table " + name + " in the schema"));
  }

  /** The tables that have a foreign key to {@code parent}. */
  public List<Table> childrenOf(String parent) {
    List<Table> result = new ArrayList<>();
    for (Table t : tables) {
      if (t.foreignKeys().stream().anyMatch(fk -> fk.parentTable().equalsIgnoreCase(parent))) {
        result.add(t);
      }
    }
    return result;
  }

  private static Table table(
      String name,
      List<Column> columns,
      List<String> pk,
      List<ForeignKey> fks,
      List<List<String>> idx) {
    return new Table(name, columns, pk, fks, idx);
  }

  private static Table link(
      String name,
      String parentColumn,
      String parentTable,
      String parentKey,
      String otherColumn,
      String otherTable) {
    return table(
        name,
        List.of(required(parentColumn, ID), required(otherColumn, ID)),
        List.of(parentColumn, otherColumn),
        List.of(
            ForeignKey.of(parentColumn, parentTable, parentKey),
            ForeignKey.of(otherColumn, otherTable, "id")),
        // Finds what links to a metric or artifact (unlinked-row checks, deletes) without a scan.
        List.of(List.of(otherColumn)));
  }

  private static List<ForeignKey> fk(String column, String parent, String parentColumn) {
    return List.of(ForeignKey.of(column, parent, parentColumn));
  }

  /** 2.0: {@code METRIC.metadata} (JSON text, {@code '{}'} by default) and an index on type. */
  private static Schema buildV2_0(Schema base) {
    List<Table> t = new ArrayList<>();
    for (Table table : base.tables) {
      if (table.name().equals("METRIC")) {
        List<Column> cols = new ArrayList<>(table.columns());
        cols.add(new Column("metadata", TEXT, false, "{}"));
        List<List<String>> idx = new ArrayList<>(table.indexes());
        idx.add(List.of("type"));
        table = new Table(table.name(), cols, table.primaryKey(), table.foreignKeys(), idx);
      }
      t.add(table);
    }
    return new Schema(VERSION_2_0, t);
  }

  /** 2.1: {@code EXPERIMENT.tags} and the table {@code EXPERIMENT_TAG(experiment_id, tag_name)}. */
  private static Schema buildV2_1(Schema base) {
    List<Table> t = new ArrayList<>();
    for (Table table : base.tables) {
      if (table.name().equals("EXPERIMENT")) {
        List<Column> cols = new ArrayList<>(table.columns());
        cols.add(optional("tags", TEXT));
        table =
            new Table(table.name(), cols, table.primaryKey(), table.foreignKeys(), table.indexes());
      }
      t.add(table);
    }
    t.add(
        table(
            "EXPERIMENT_TAG",
            List.of(required("experiment_id", ID), required("tag_name", SHORT_TEXT)),
            List.of("experiment_id", "tag_name"),
            fk("experiment_id", "EXPERIMENT", "id"),
            // Finds the experiments with a tag without a scan.
            List.of(List.of("tag_name"))));
    return new Schema(VERSION_2_1, t);
  }

  private static Schema buildV1() {
    List<Table> t = new ArrayList<>();
    t.add(
        table(
            "EXPERIMENT",
            List.of(
                required("id", ID),
                required("title", SHORT_TEXT),
                optional("desc", TEXT),
                optional("start_time", TIMESTAMP),
                optional("update_time", TIMESTAMP)),
            List.of("id"),
            List.of(),
            List.of()));
    t.add(
        table(
            "TRIAL",
            List.of(
                required("id", ID),
                required("name", SHORT_TEXT),
                required("experiment_id", ID),
                optional("start_time", TIMESTAMP),
                optional("update_time", TIMESTAMP)),
            List.of("id"),
            fk("experiment_id", "EXPERIMENT", "id"),
            List.of(List.of("experiment_id"))));
    t.add(
        table(
            "TRIAL_RUN",
            List.of(
                required("id", ID),
                required("trial_id", ID),
                optional("status", SHORT_TEXT),
                optional("start_time", TIMESTAMP),
                optional("update_time", TIMESTAMP)),
            List.of("id"),
            fk("trial_id", "TRIAL", "id"),
            List.of(List.of("trial_id"))));
    t.add(
        table(
            "RESULTS",
            List.of(required("trial_run_id", ID), optional("time", TIMESTAMP)),
            List.of("trial_run_id"),
            fk("trial_run_id", "TRIAL_RUN", "id"),
            List.of()));
    t.add(
        table(
            "EPOCH",
            List.of(
                required("idx", INT), required("trial_run_id", ID), optional("time", TIMESTAMP)),
            // Keyed run first: a run's epochs are stored together and written in key order.
            List.of("trial_run_id", "idx"),
            fk("trial_run_id", "TRIAL_RUN", "id"),
            List.of()));
    t.add(
        table(
            "BATCH",
            List.of(
                required("idx", INT),
                required("epoch_idx", INT),
                required("trial_run_id", ID),
                optional("time", TIMESTAMP)),
            // Keyed run first, like EPOCH: a run's batches are stored together.
            List.of("trial_run_id", "epoch_idx", "idx"),
            List.of(
                new ForeignKey(
                    List.of("trial_run_id", "epoch_idx"), "EPOCH", List.of("trial_run_id", "idx"))),
            List.of()));
    t.add(
        table(
            "METRIC",
            List.of(
                required("id", ID),
                required("type", SHORT_TEXT),
                optional("total_val", DOUBLE),
                optional("per_label_val", TEXT)),
            List.of("id"),
            List.of(),
            List.of()));
    t.add(
        table(
            "ARTIFACT",
            List.of(required("id", ID), required("type", SHORT_TEXT), optional("loc", TEXT)),
            List.of("id"),
            List.of(),
            List.of()));
    t.add(
        link(
            "EXPERIMENT_ARTIFACT", "experiment_id", "EXPERIMENT", "id", "artifact_id", "ARTIFACT"));
    t.add(link("TRIAL_ARTIFACT", "trial_id", "TRIAL", "id", "artifact_id", "ARTIFACT"));
    t.add(link("TRIAL_RUN_ARTIFACT", "trial_run_id", "TRIAL_RUN", "id", "artifact_id", "ARTIFACT"));
    t.add(link("RESULTS_METRIC", "results_id", "RESULTS", "trial_run_id", "metric_id", "METRIC"));
    t.add(
        link(
            "RESULTS_ARTIFACT",
            "results_id",
            "RESULTS",
            "trial_run_id",
            "artifact_id",
            "ARTIFACT"));
    for (String[] epochLink :
        new String[][] {
          {"EPOCH_METRIC", "metric_id", "METRIC"}, {"EPOCH_ARTIFACT", "artifact_id", "ARTIFACT"}
        }) {
      t.add(
          table(
              epochLink[0],
              List.of(
                  required("epoch_idx", INT),
                  required("epoch_trial_run_id", ID),
                  required(epochLink[1], ID)),
              List.of("epoch_trial_run_id", "epoch_idx", epochLink[1]),
              List.of(
                  new ForeignKey(
                      List.of("epoch_trial_run_id", "epoch_idx"),
                      "EPOCH",
                      List.of("trial_run_id", "idx")),
                  ForeignKey.of(epochLink[1], epochLink[2], "id")),
              List.of(List.of(epochLink[1]))));
    }
    for (String[] batchLink :
        new String[][] {
          {"BATCH_METRIC", "metric_id", "METRIC"}, {"BATCH_ARTIFACT", "artifact_id", "ARTIFACT"}
        }) {
      t.add(
          table(
              batchLink[0],
              List.of(
                  required("batch_idx", INT),
                  required("epoch_idx", INT),
                  required("trial_run_id", ID),
                  required(batchLink[1], ID)),
              List.of("trial_run_id", "epoch_idx", "batch_idx", batchLink[1]),
              List.of(
                  new ForeignKey(
                      List.of("trial_run_id", "epoch_idx", "batch_idx"),
                      "BATCH",
                      List.of("trial_run_id", "epoch_idx", "idx")),
                  ForeignKey.of(batchLink[1], batchLink[2], "id")),
              List.of(List.of(batchLink[1]))));
    }
    return new Schema(VERSION_1_0, t);
  }
}
