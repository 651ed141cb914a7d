package io.expmgr.upgrade;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.ConflictException;
import io.expmgr.InvalidInputException;
import io.expmgr.ProgressListener;
import io.expmgr.SchemaException;
import io.expmgr.api.DatabaseManager;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.state.DatabaseLock;
import io.expmgr.state.UpgradeJournal;
import io.expmgr.validate.DataValidator;
import io.expmgr.validate.Status;
import io.expmgr.validate.ValidationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema status and upgrades, done the FAQ's safe way: snapshot, validate, apply to a copy and
 * validate it, apply for real and validate again; on any failure put the snapshot back and say so.
 *
 * <p>One upgrade at a time per database ({@link io.expmgr.state.DatabaseLock}, released by the
 * system when a process dies). While the real database changes, a journal ({@link UpgradeJournal})
 * names the snapshot taken before; a run that finds a journal left by a killed run looks at the
 * database first and restores only a database left between versions whose rows did not change
 * since.
 */
public final class SchemaUpgrader {
  private static final Logger log = LoggerFactory.getLogger(SchemaUpgrader.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Database db;
  private final Path snapshotDir;
  private Function<Database, ValidationReport> validator =
      d -> new DataValidator(DatabaseManager.of(d)).validateDataConsistency();

  public SchemaUpgrader(Database db, Path snapshotDir) {
    this.db = db;
    this.snapshotDir = snapshotDir;
  }

  private ProgressListener progress = ProgressListener.NONE;

  /** Told how the snapshot, the trial copy and any restore go. */
  public SchemaUpgrader progress(ProgressListener listener) {
    this.progress = listener == null ? ProgressListener.NONE : listener;
    return this;
  }

  /** Replaces the validation run before and after each change (tests, custom checks). */
  public SchemaUpgrader validator(Function<Database, ValidationReport> validator) {
    this.validator = validator;
    return this;
  }

  // ------------------------------------------------------------------ status

  /** Where the database stands. */
  public SchemaStatus status() {
    SchemaMigrator.Detected found = SchemaMigrator.detect(db);
    List<String> available = Schema.versions().stream().map(Schema::version).toList();
    String latest = Schema.latest().version();
    Map<String, List<String>> pending =
        found.version() == null ? Map.of() : SchemaMigrator.plannedChanges(found.version(), latest);
    List<String> missing = new ArrayList<>();
    List<String> extra = new ArrayList<>();
    io.expmgr.db.Catalog catalog = io.expmgr.db.Catalog.read(db);
    if (found.version() != null) {
      SchemaCheck.Gaps g = found.gapsByVersion().get(found.version());
      missing.addAll(g.missingTables());
      missing.addAll(g.missingColumns());
      extra.addAll(catalog.unmodelledColumns(Schema.forVersion(found.version()).orElseThrow()));
    } else if (!found.isEmpty()) {
      SchemaCheck.Gaps g = found.gapsByVersion().get(Schema.VERSION_1_0);
      missing.addAll(g.missingTables());
      missing.addAll(g.missingColumns());
    }
    return new SchemaStatus(
        db.identity(),
        found.version(),
        found.recorded(),
        found.isEmpty(),
        available,
        latest,
        pending,
        missing,
        extra,
        extraTables(catalog),
        catalog.layout().label(),
        catalog.table("BATCH").isPresent(),
        io.expmgr.db.TrackerVersions.latest(db).orElse(null));
  }

  /** Tables no version's model describes, the engine's own and expmgr's bookkeeping left out. */
  private static List<String> extraTables(io.expmgr.db.Catalog catalog) {
    io.expmgr.db.Dialect d = catalog.engine().dialect();
    List<String> out = new ArrayList<>();
    for (var t : catalog.unmodelled(Schema.latest())) {
      String n = t.name().toLowerCase(java.util.Locale.ROOT);
      if (!d.isSystemTable(n)
          && !n.equals(SchemaMigrator.HISTORY_TABLE)
          && !n.startsWith("expmgr_")) {
        out.add(t.name());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ upgrade

  /**
   * Upgrades the database.
   *
   * @param say receives one line per step, for the person watching
   * @throws SchemaException when the upgrade fails (after restoring the snapshot), is a downgrade,
   *     or the database matches no known version
   * @throws ConflictException when another upgrade of the same database is running
   */
  public UpgradeResult upgrade(UpgradeOptions options, Consumer<String> say) {
    long t0 = System.nanoTime();
    if (options.toVersion() != null && Schema.forVersion(options.toVersion()).isEmpty()) {
      throw new InvalidInputException(
          "--to "
              + options.toVersion()
              + " is not a schema version expmgr knows ("
              + String.join(", ", Schema.versions().stream().map(Schema::version).toList())
              + ")");
    }
    try (DatabaseLock lock = DatabaseLock.acquire(db, "upgrade", "schema upgrade", null)) {
      recoverInterrupted(say, options.dryRun());
      SchemaMigrator.Detected found = SchemaMigrator.detect(db);
      if (found.isEmpty()) {
        throw new SchemaException(
            db.identity()
                + " has none of the experiment tables: nothing to upgrade (new databases get"
                + " schema "
                + Schema.current().version()
                + ")");
      }
      if (found.version() == null) {
        throw new SchemaException(
            db.identity()
                + " matches no schema version expmgr knows, nothing was changed: "
                + String.join("; ", status().problems()));
      }
      String from = found.version();
      String to = options.toVersion() == null ? Schema.latest().version() : options.toVersion();
      if (Schema.forVersion(to).isEmpty()) {
        throw new InvalidInputException(
            "--to "
                + to
                + " is not a schema version expmgr knows ("
                + String.join(", ", Schema.versions().stream().map(Schema::version).toList())
                + ")");
      }
      int cmp = SchemaMigrator.compareVersions(to, from);
      if (cmp < 0) {
        throw new SchemaException(downgradeMessage(from, to));
      }
      Map<String, List<String>> statements =
          SchemaMigrator.plannedStatements(from, to, db.dialect());
      if (cmp == 0) {
        if (!found.recorded() && !options.dryRun()) {
          SchemaMigrator.resetHistory(db, from);
          say.accept("Recorded " + db.identity() + " as schema " + from + " (baselined).");
        }
        return result(from, to, UpgradeResult.Outcome.UP_TO_DATE, statements, null, null, null, t0);
      }
      if (!found.recorded()) {
        say.accept(
            "No version history: the tables match schema " + from + "; it will be baselined.");
      }
      if (options.dryRun()) {
        return result(from, to, UpgradeResult.Outcome.DRY_RUN, statements, null, null, null, t0);
      }
      db.requireIntact();
      SnapshotInfo snapshot = null;
      SnapshotManager snapshots = new SnapshotManager(db, snapshotDir);
      if (!options.noSnapshot()) {
        snapshot =
            snapshots.createSnapshot(
                "Before schema upgrade " + from + " -> " + to,
                List.of("pre-upgrade", "schema-" + from),
                progress.within("snapshot: "));
        say.accept("1/5 snapshot " + snapshot.id() + " taken (" + snapshot.path() + ")");
      } else {
        say.accept("1/5 no snapshot (--no-snapshot): a failure cannot be undone automatically");
      }
      ValidationReport before = validator.apply(db);
      if (before.overallStatus() == Status.FAIL) {
        say.accept("2/5 validation FAILED: the upgrade stops; nothing was changed");
        return result(
            from,
            to,
            UpgradeResult.Outcome.VALIDATION_FAILED,
            statements,
            snapshot,
            before,
            null,
            t0);
      }
      say.accept("2/5 validation " + before.overallStatus());
      if (snapshot != null && options.noTrial()) {
        say.accept("3/5 no trial on a copy (--no-trial); the snapshot is restored on any failure");
      } else if (snapshot != null) {
        trialOnCopy(snapshots, snapshot, to);
        say.accept("3/5 the upgrade worked on a copy restored from the snapshot, which validates");
      } else {
        say.accept("3/5 no trial on a copy (no snapshot to make it from)");
      }
      Path journal =
          UpgradeJournal.starting(
                  db,
                  from,
                  to,
                  snapshot == null ? null : snapshot.id(),
                  snapshot == null ? null : snapshot.path().getParent())
              .write(db);
      ValidationReport after;
      try {
        SchemaMigrator.upgrade(db, to);
        say.accept(
            "4/5 applied " + String.join(", ", statements.keySet()) + " to " + db.identity());
        after = validator.apply(db);
        if (after.overallStatus() == Status.FAIL) {
          throw new SchemaException(
              "validation failed after the upgrade (" + after.totalIssues() + " issues)");
        }
      } catch (RuntimeException e) {
        String cause =
            e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        if (snapshot == null) {
          throw new SchemaException(
              "schema upgrade "
                  + from
                  + " -> "
                  + to
                  + " failed and there is no snapshot to restore"
                  + " (--no-snapshot): "
                  + cause,
              e);
        }
        restore(snapshot, from);
        deleteQuietly(journal);
        throw new SchemaException(
            "schema upgrade "
                + from
                + " -> "
                + to
                + " failed ("
                + cause
                + "); "
                + db.identity()
                + " was restored from snapshot "
                + snapshot.id()
                + " and is as before",
            e);
      }
      deleteQuietly(journal);
      say.accept("5/5 validation " + after.overallStatus() + ": " + db.identity() + " is at " + to);
      return result(
          from, to, UpgradeResult.Outcome.UPGRADED, statements, snapshot, before, after, t0);
    }
  }

  private UpgradeResult result(
      String from,
      String to,
      UpgradeResult.Outcome outcome,
      Map<String, List<String>> statements,
      SnapshotInfo snapshot,
      ValidationReport before,
      ValidationReport after,
      long t0) {
    return new UpgradeResult(
        db.identity(),
        from,
        to,
        outcome,
        statements,
        snapshot,
        before,
        after,
        Duration.ofNanos(System.nanoTime() - t0));
  }

  private String downgradeMessage(String from, String to) {
    String hint = "restore the snapshot taken before the upgrade with 'expmgr restore-snapshot'";
    try {
      for (SnapshotInfo s : new SnapshotManager(db, snapshotDir).listSnapshots()) {
        if (!s.isDamaged() && to.equals(s.schemaVersion())) {
          hint =
              "restore the snapshot taken at schema "
                  + to
                  + ": 'expmgr restore-snapshot --snapshot-id "
                  + s.id()
                  + "' ("
                  + s.description()
                  + ")";
          break;
        }
      }
    } catch (RuntimeException e) {
      log.debug("no snapshot list for the downgrade hint", e);
    }
    return "downgrades are not supported ("
        + db.identity()
        + " has "
        + from
        + ", asked for "
        + to
        + "); "
        + hint;
  }

  /** Restores the snapshot into a scratch database, upgrades and validates it, drops it. */
  private void trialOnCopy(SnapshotManager snapshots, SnapshotInfo snapshot, String to) {
    ConnectionConfig scratch;
    Path scratchDir = null;
    if (db.dialect().isFileDatabase()) {
      try {
        scratchDir = Files.createTempDirectory("expmgr-upgrade-trial");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make a scratch folder: " + e.getMessage(), e);
      }
      scratch = ConnectionConfig.sqlite(scratchDir.resolve("trial.db"));
    } else {
      String name = db.config().database();
      name = (name.length() > 40 ? name.substring(0, 40) : name) + "__upgrade_trial";
      scratch = db.config().withDatabase(name);
      dropScratchDatabase(scratch);
    }
    try {
      try {
        new SnapshotManager(Database.unopened(scratch), snapshots.directory())
            .restoreSnapshot(snapshot.id(), progress.within("trial copy: "));
      } catch (RuntimeException e) {
        if (io.expmgr.db.Failures.classify(e) == io.expmgr.db.Failures.Kind.PERMISSION
            || String.valueOf(e.getMessage()).contains("denied")) {
          throw new io.expmgr.PermissionException(
              "the trial on a copy needs a scratch database "
                  + scratch.database()
                  + " this account may not create ("
                  + db.dialect().grantToCreateDatabase(scratch.database(), scratch.user())
                  + " lets it), "
                  + db.identity()
                  + " was not touched; or run 'expmgr schema upgrade --no-trial' (the snapshot is still"
                  + " taken and restored on any failure)",
              e);
        }
        throw e;
      }
      Database copy = Database.open(scratch, OpenMode.EXISTING);
      try {
        SchemaMigrator.upgrade(copy, to);
      } catch (RuntimeException e) {
        throw new SchemaException(
            "the upgrade failed on a copy, "
                + db.identity()
                + " was not touched: "
                + e.getMessage().lines().findFirst().orElse(""),
            e);
      }
      ValidationReport r;
      try {
        r = validator.apply(copy);
      } catch (RuntimeException e) {
        throw new SchemaException(
            "the upgraded copy cannot be validated, "
                + db.identity()
                + " was not touched: "
                + String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
            e);
      }
      if (r.overallStatus() == Status.FAIL) {
        throw new SchemaException(
            "the upgraded copy fails validation ("
                + r.totalIssues()
                + " issues), "
                + db.identity()
                + " was not touched");
      }
    } finally {
      if (scratchDir != null) {
        deleteTree(scratchDir);
      } else {
        dropScratchDatabase(scratch);
      }
    }
  }

  private void dropScratchDatabase(ConnectionConfig scratch) {
    try {
      db.withConnection(
          c -> {
            db.dialect().dropDatabase(c, scratch.database());
            return null;
          });
    } catch (RuntimeException e) {
      log.warn("could not drop scratch database {}: {}", scratch.database(), e.getMessage());
    }
  }

  private void restore(SnapshotInfo snapshot, String version) {
    log.warn("restoring {} from snapshot {} after a failed upgrade", db.identity(), snapshot.id());
    new SnapshotManager(db, snapshotDir)
        .restoreSnapshot(snapshot.id(), progress.within("restoring the snapshot: "));
    if (!SchemaMigrator.recordedVersion(db).orElse("").equals(version)) {
      SchemaMigrator.resetHistory(db, version);
    }
  }

  // ------------------------------------------------------------------ journal

  /**
   * A journal left by a run that died while changing the database. What is done depends on the
   * database as it is now, never on the journal alone: at a whole version (the one before, one
   * between, or the target) nothing is restored, so rows written since the interrupted run are
   * kept; only a database left between versions (an engine whose DDL is not transactional) is put
   * back from the journal's snapshot, and only when its row counts still equal the snapshot's. A
   * dry run only says what would happen.
   */
  private void recoverInterrupted(Consumer<String> say, boolean dryRun) {
    Optional<UpgradeJournal> found = UpgradeJournal.read(db);
    if (found.isEmpty()) {
      return;
    }
    UpgradeJournal j = found.get();
    SchemaMigrator.Detected now = SchemaMigrator.detect(db);
    boolean whole = now.version() != null && now.gapsByVersion().get(now.version()).isComplete();
    if (whole) {
      say.accept(
          "Found the journal of "
              + j.describe()
              + ", which was interrupted; the database is at "
              + now.version()
              + ", a whole version: nothing is restored (rows written since are kept)"
              + (dryRun ? "; the journal would be removed" : "; journal removed"));
      if (!dryRun) {
        UpgradeJournal.delete(db);
        log.warn("removed the journal of {}: the database is at {}", j.describe(), now.version());
      }
      return;
    }
    String manual =
        " Restore a snapshot with restore-snapshot, then run schema upgrade again (the journal "
            + UpgradeJournal.path(db)
            + " is removed once the database is at a whole version).";
    if (j.snapshotId() == null) {
      throw new SchemaException(
          j.describe()
              + " was interrupted without a snapshot (--no-snapshot) and left "
              + db.identity()
              + " between versions."
              + manual);
    }
    SnapshotManager sm = new SnapshotManager(db, Path.of(j.snapshotDir()));
    SnapshotInfo snapshot;
    try {
      snapshot = sm.find(j.snapshotId());
    } catch (io.expmgr.NotFoundException e) {
      throw new SchemaException(
          j.describe()
              + " was interrupted and left the database between versions, and its snapshot "
              + j.snapshotId()
              + " is gone from "
              + j.snapshotDir()
              + "."
              + manual,
          e);
    }
    Map<String, Long> counts = db.countRows(new ArrayList<>(snapshot.rowCounts().keySet()));
    List<String> changed = new ArrayList<>();
    snapshot
        .rowCounts()
        .forEach(
            (table, then) -> {
              Long n = counts.get(table);
              if (n != null && n.longValue() != then.longValue()) {
                changed.add(table + " " + then + " then, " + n + " now");
              }
            });
    if (!changed.isEmpty()) {
      throw new ConflictException(
          j.describe()
              + " was interrupted between versions, and rows changed since its snapshot "
              + j.snapshotId()
              + " ("
              + String.join(", ", changed)
              + "): not restoring it automatically, which would discard them."
              + manual);
    }
    if (dryRun) {
      say.accept(
          "Found the journal of "
              + j.describe()
              + ", interrupted between versions: snapshot "
              + j.snapshotId()
              + " would be restored first");
      return;
    }
    sm.restoreSnapshot(j.snapshotId(), progress.within("restoring the snapshot: "));
    if (!SchemaMigrator.recordedVersion(db).orElse("").equals(j.from())) {
      SchemaMigrator.resetHistory(db, j.from());
    }
    UpgradeJournal.delete(db);
    say.accept(
        j.describe()
            + " was interrupted between versions: restored snapshot "
            + j.snapshotId()
            + ", the database is at "
            + j.from()
            + " again");
    log.warn("recovered from an interrupted upgrade by restoring snapshot {}", j.snapshotId());
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("could not remove {}: {}", p, e.getMessage());
    }
  }

  private static void deleteTree(Path dir) {
    // SQLite's -wal and -shm files may vanish while the folder is listed: list, delete, repeat.
    for (int attempt = 0; attempt < 3 && Files.exists(dir); attempt++) {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder())
            .toList()
            .forEach(SchemaUpgrader::deleteQuietly);
      } catch (IOException | UncheckedIOException e) {
        log.debug("retrying removal of {}: {}", dir, e.getMessage());
      }
    }
  }
}
