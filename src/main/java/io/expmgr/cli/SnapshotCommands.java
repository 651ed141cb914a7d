package io.expmgr.cli;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.snapshot.PruneResult;
import io.expmgr.snapshot.RetentionPolicy;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.snapshot.VerifyResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** verify-snapshot, delete-snapshot, restore-snapshot, prune-snapshots. */
final class SnapshotCommands {
  private SnapshotCommands() {}

  /**
   * Snapshots of a database, found without opening it (it may be missing: that is what restores are
   * for).
   */
  static SnapshotManager manager(ConnectionOptions connection, Path snapshotDir) {
    ConnectionConfig config = connection.toConfig();
    return new SnapshotManager(Database.unopened(config), snapshotDir);
  }

  @Command(
      name = "verify-snapshot",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Checks snapshots: manifest, size and SHA-256 of the data file, that it opens,",
        "PRAGMA integrity_check, and row counts against the manifest. Exit 7 if any is damaged."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    static final class Which {
      @Option(
          names = "--snapshot-id",
          paramLabel = "ID",
          required = true,
          description = "The snapshot to check.")
      String id;

      @Option(
          names = "--all",
          required = true,
          description = "Check every snapshot of the database.")
      boolean all;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    @Option(
        names = "--snapshot-dir",
        paramLabel = "DIR",
        description = "Where snapshots are (default: $EXPMGR_HOME/snapshots/<database>).")
    Path snapshotDir;

    @Override
    public Integer call() {
      SnapshotManager m = manager(connection, snapshotDir);
      List<String> ids = new ArrayList<>();
      if (which.all) {
        m.listSnapshots().forEach(s -> ids.add(s.id()));
      } else {
        ids.add(SnapshotManager.checkId(which.id));
      }
      PrintWriter out = spec.commandLine().getOut();
      int bad = 0;
      for (String id : ids) {
        VerifyResult r = m.verifySnapshot(id);
        out.println(id + ": " + (r.ok() ? "ok" : "DAMAGED: " + String.join("; ", r.problems())));
        bad += r.ok() ? 0 : 1;
      }
      if (ids.isEmpty()) {
        out.println("No snapshots in " + m.directory());
      }
      out.flush();
      return bad == 0 ? ExitCodes.OK : ExitCodes.SNAPSHOT;
    }
  }

  @Command(
      name = "delete-snapshot",
      mixinStandardHelpOptions = true,
      description = "Deletes a snapshot.")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    @Option(
        names = "--snapshot-id",
        paramLabel = "ID",
        required = true,
        description = "The snapshot to delete.")
    String id;

    @Option(names = "--snapshot-dir", paramLabel = "DIR", description = "Where snapshots are.")
    Path snapshotDir;

    @Override
    public Integer call() {
      manager(connection, snapshotDir).deleteSnapshot(SnapshotManager.checkId(id));
      spec.commandLine().getOut().println("Deleted snapshot " + id);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "restore-snapshot",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Replaces the database's content with a snapshot's, atomically, after verifying it",
        "and taking a safety snapshot of the current state. Works across engines (a MySQL",
        "snapshot into SQLite and the other way); a SQLite file that does not exist is created.",
        "Asks for confirmation (reads y from stdin) unless --yes."
      })
  static final class Restore implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    @Option(
        names = "--snapshot-id",
        paramLabel = "ID",
        required = true,
        description = "The snapshot to restore.")
    String id;

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask; also restore across schema versions.")
    boolean yes;

    @Option(names = "--no-snapshot", description = "Skip the safety snapshot of the current state.")
    boolean noSnapshot;

    @Option(
        names = "--snapshot-dir",
        paramLabel = "DIR",
        description = "Where snapshots are (default: $EXPMGR_HOME/snapshots/<database>).")
    Path snapshotDir;

    @Option(
        names = "--from-dir",
        paramLabel = "DIR",
        description = "Take the snapshot from this folder (e.g. another database's snapshots).")
    Path fromDir;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      ConnectionConfig config = connection.toConfig();
      SnapshotManager source =
          new SnapshotManager(Database.unopened(config), fromDir != null ? fromDir : snapshotDir);
      // Refused before anything else happens: no question, no safety snapshot.
      SnapshotInfo snapshot = source.checkFiles(SnapshotManager.checkId(id));
      boolean exists = config.engine() == Engine.MYSQL || Files.exists(config.sqlitePath());
      Database target = exists ? Database.open(config, io.expmgr.db.OpenMode.CREATE) : null;
      boolean hasTables =
          target != null && !SchemaCheck.gaps(target, Schema.v1()).isEmpty(Schema.v1());
      String versions = "";
      if (hasTables) {
        String current = SchemaMigrator.versionOf(target);
        if (!current.equals(snapshot.schemaVersion())) {
          // Part of the one question, so that `echo y | expmgr restore-snapshot` answers it.
          versions =
              "; the snapshot has schema "
                  + snapshot.schemaVersion()
                  + ", the database has "
                  + current
                  + ", which the restore replaces";
        }
      }
      if (!yes
          && !CleanupOrphansCommand.confirm(
              out,
              "Replace all data of "
                  + config.identity()
                  + " with snapshot "
                  + id
                  + " ("
                  + Output.count(snapshot.totalRows())
                  + " rows, taken "
                  + snapshot.createdAt()
                  + versions
                  + ")? [y/N] ")) {
        out.println("Cancelled; nothing was changed.");
        out.flush();
        return ExitCodes.CANCELLED;
      }
      if (hasTables && !noSnapshot) {
        SnapshotInfo safety =
            new SnapshotManager(target, snapshotDir)
                .createSnapshot("Before restoring " + id, List.of("safety"), ProgressListener.NONE);
        out.println("Safety snapshot of the current state: " + safety.id());
      }
      try (Output.Progress progress = Output.progress("restore", true)) {
        source.restoreSnapshot(id, progress);
      }
      out.printf(
          "Restored snapshot %s into %s: %s rows%n",
          id, config.identity(), Output.count(snapshot.totalRows()));
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "prune-snapshots",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Applies a retention policy with restic's rules: a snapshot is kept when any rule",
        "keeps it (last N; the newest of each of the last N days, ISO weeks, months that have",
        "snapshots; every snapshot with a kept tag). Damaged snapshots are never removed."
      })
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    @Option(
        names = "--keep-last",
        defaultValue = "0",
        paramLabel = "N",
        description = "Keep the newest N.")
    int last;

    @Option(
        names = "--keep-daily",
        defaultValue = "0",
        paramLabel = "N",
        description = "Keep the newest of each of the last N days.")
    int daily;

    @Option(
        names = "--keep-weekly",
        defaultValue = "0",
        paramLabel = "N",
        description = "Keep the newest of each of the last N weeks.")
    int weekly;

    @Option(
        names = "--keep-monthly",
        defaultValue = "0",
        paramLabel = "N",
        description = "Keep the newest of each of the last N months.")
    int monthly;

    @Option(
        names = "--keep-tag",
        paramLabel = "TAG",
        description = "Keep every snapshot with this tag (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--dry-run", description = "Show what would be removed; remove nothing.")
    boolean dryRun;

    @Option(names = "--snapshot-dir", paramLabel = "DIR", description = "Where snapshots are.")
    Path snapshotDir;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      RetentionPolicy policy = new RetentionPolicy(last, daily, weekly, monthly, tags);
      PruneResult r = manager(connection, snapshotDir).prune(policy, dryRun);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, List<String>> kept = new LinkedHashMap<>();
        r.kept().forEach((s, why) -> kept.put(s.id(), why));
        m.put("kept", kept);
        m.put("removed", r.removed().stream().map(SnapshotInfo::id).toList());
        m.put("dry_run", r.dryRun());
        Output.json(out, m);
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      r.kept().forEach((s, why) -> rows.add(List.of(s.id(), "keep", String.join(", ", why))));
      r.removed().forEach(s -> rows.add(List.of(s.id(), dryRun ? "would remove" : "removed", "")));
      rows.sort((a, b) -> b.get(0).compareTo(a.get(0)));
      Output.table(out, List.of("snapshot", "action", "kept because"), rows);
      out.printf(
          "%d kept, %d %s%n",
          r.kept().size(), r.removed().size(), dryRun ? "would be removed (dry run)" : "removed");
      out.flush();
      return ExitCodes.OK;
    }
  }
}
