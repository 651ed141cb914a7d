package io.expmgr.cli;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.manager.Operations;
import io.expmgr.manager.RestoreOperation;
import io.expmgr.manager.Safety;
import io.expmgr.snapshot.PruneResult;
import io.expmgr.snapshot.RetentionPolicy;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.snapshot.VerifyResult;
import java.io.PrintWriter;
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
    return Operations.snapshots(config, snapshotDir);
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

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

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
      List<Map<String, Object>> results = new ArrayList<>();
      for (String id : ids) {
        VerifyResult r;
        try (ProgressDisplay progress = Output.progress("verify-snapshot", "MiB", !json)) {
          r = m.verifySnapshot(id, progress);
        }
        if (json) {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("snapshot_id", id);
          one.put("ok", r.ok());
          one.put("problems", r.problems());
          results.add(one);
        } else {
          out.println(id + ": " + (r.ok() ? "ok" : "DAMAGED: " + String.join("; ", r.problems())));
        }
        bad += r.ok() ? 0 : 1;
      }
      if (json) {
        Output.json(out, results);
      } else if (ids.isEmpty()) {
        out.println("No snapshots in " + m.directory());
      }
      out.flush();
      return bad == 0 ? ExitCodes.OK : ExitCodes.SNAPSHOT;
    }
  }

  @Command(
      name = "delete-snapshot",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Deletes a snapshot. Asks for confirmation (reads y from stdin) unless --yes; refuses a",
        "snapshot an interrupted schema upgrade still needs."
      })
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    @Option(
        names = "--snapshot-id",
        paramLabel = "ID",
        required = true,
        description = "The snapshot to delete.")
    String id;

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--dry-run", description = "Say what would be deleted; delete nothing.")
    boolean dryRun;

    @Option(names = "--snapshot-dir", paramLabel = "DIR", description = "Where snapshots are.")
    Path snapshotDir;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      SnapshotManager m = manager(connection, snapshotDir);
      SnapshotInfo s = m.find(SnapshotManager.checkId(id));
      String what =
          "snapshot "
              + id
              + " ("
              + Output.count(s.totalRows())
              + " rows, "
              + Output.count(s.sizeBytes())
              + " bytes"
              + (s.description() == null || s.description().isEmpty()
                  ? ""
                  : ", \"" + s.description() + "\"")
              + ")";
      if (dryRun) {
        m.checkDeletable(id);
        return report(out, "would delete", s);
      }
      Output.requireYesWithJson(yes, false, json);
      if (!yes && !CleanupOrphansCommand.confirm(out, "Delete " + what + "? [y/N] ")) {
        out.println("Cancelled; nothing was deleted.");
        out.flush();
        return ExitCodes.CANCELLED;
      }
      m.deleteSnapshot(id);
      return report(out, "deleted", s);
    }

    private int report(PrintWriter out, String action, SnapshotInfo s) {
      if (json) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("snapshot_id", s.id());
        r.put("action", action.replace(' ', '_'));
        r.put("dry_run", dryRun);
        r.put("size_bytes", s.sizeBytes());
        Output.json(out, r);
      } else {
        out.println((dryRun ? "Dry run: would delete snapshot " : "Deleted snapshot ") + s.id());
      }
      out.flush();
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

    @Option(
        names = "--dry-run",
        description = "Check the snapshot and say what would be replaced; change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      ConnectionConfig config = connection.toConfig();
      // Refused before anything else happens: no question, no safety snapshot.
      RestoreOperation.Plan plan =
          RestoreOperation.plan(config, id, fromDir != null ? fromDir : snapshotDir);
      SnapshotInfo snapshot = plan.snapshot();
      boolean hasTables = plan.replacesData();
      String versions = "";
      if (plan.changesVersion()) {
        // Part of the one question, so that `echo y | expmgr restore-snapshot` answers it.
        versions =
            "; the snapshot has schema "
                + snapshot.schemaVersion()
                + ", the database has "
                + plan.currentVersion()
                + ", which the restore replaces";
      }
      if (dryRun) {
        if (json) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("snapshot_id", id);
          r.put("dry_run", true);
          r.put("rows", snapshot.totalRows());
          r.put("schema_version", snapshot.schemaVersion());
          r.put("replaces_existing_data", hasTables);
          Output.json(out, r);
        } else {
          out.printf(
              "Dry run: snapshot %s (%s rows, schema %s) checks out; restoring it would %s%s."
                  + " Nothing was changed.%n",
              id,
              Output.count(snapshot.totalRows()),
              snapshot.schemaVersion(),
              hasTables ? "replace all data of " : "create ",
              config.identity());
        }
        out.flush();
        return ExitCodes.OK;
      }
      Output.requireYesWithJson(yes, false, json);
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
      String[] safetyId = {null};
      try (ProgressDisplay progress = Output.progress("restore", "rows", true)) {
        RestoreOperation.run(
            plan,
            new Safety(!noSnapshot, snapshotDir),
            safety -> {
              safetyId[0] = safety.id();
              if (!json) {
                progress.clearLine();
                out.println("Safety snapshot of the current state: " + safety.id());
                out.flush();
              }
            },
            progress);
      }
      if (json) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("snapshot_id", id);
        r.put("database", config.identity());
        r.put("rows", snapshot.totalRows());
        r.put("safety_snapshot_id", safetyId[0]);
        Output.json(out, r);
      } else {
        out.printf(
            "Restored snapshot %s into %s: %s rows%n",
            id, config.identity(), Output.count(snapshot.totalRows()));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "prune-snapshots",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Applies a retention policy; a snapshot is kept when any rule keeps it. Shows what it",
        "keeps and why, then asks before removing anything (reads y from stdin) unless --yes.",
        "",
        "--policy faq is the FAQ's table: a snapshot's kind is its tag (daily, weekly, monthly,",
        "milestone) or else the first of those words in its description; daily ones are kept 30",
        "days, weekly 12 weeks, monthly 12 months, milestones forever, and a snapshot of no known",
        "kind is never removed by it.",
        "",
        "The --keep-* rules are restic's and count snapshots, not age: --keep-daily 30 keeps the",
        "newest snapshot of each of the last 30 days that have snapshots (one per day), while the",
        "FAQ keeps every daily snapshot younger than 30 days. --keep-within* measure back from the",
        "newest snapshot. Damaged snapshots, and snapshots an interrupted upgrade needs, are never",
        "removed."
      })
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    /** Named policies. */
    enum Policy {
      faq
    }

    @Option(
        names = "--policy",
        paramLabel = "NAME",
        description = "A named policy: ${COMPLETION-CANDIDATES} (the FAQ's retention table).")
    Policy policy;

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
        description = "Keep the newest of each of the last N days that have snapshots.")
    int daily;

    @Option(
        names = "--keep-weekly",
        defaultValue = "0",
        paramLabel = "N",
        description = "Keep the newest of each of the last N ISO weeks that have snapshots.")
    int weekly;

    @Option(
        names = "--keep-monthly",
        defaultValue = "0",
        paramLabel = "N",
        description = "Keep the newest of each of the last N months that have snapshots.")
    int monthly;

    @Option(
        names = "--keep-within",
        paramLabel = "DURATION",
        description =
            "Keep every snapshot taken within DURATION of the newest one (units y, m, d, h:"
                + " 30d, 1y6m).")
    String within;

    @Option(
        names = "--keep-within-daily",
        paramLabel = "DURATION",
        description = "Keep the newest of each day within DURATION of the newest snapshot.")
    String withinDaily;

    @Option(
        names = "--keep-within-weekly",
        paramLabel = "DURATION",
        description = "Keep the newest of each ISO week within DURATION of the newest snapshot.")
    String withinWeekly;

    @Option(
        names = "--keep-within-monthly",
        paramLabel = "DURATION",
        description = "Keep the newest of each month within DURATION of the newest snapshot.")
    String withinMonthly;

    @Option(
        names = "--keep-tag",
        paramLabel = "TAG",
        description = "Keep every snapshot with this tag (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--dry-run", description = "Show what would be removed; remove nothing.")
    boolean dryRun;

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--snapshot-dir", paramLabel = "DIR", description = "Where snapshots are.")
    Path snapshotDir;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    private static java.time.Duration duration(String option, String text) {
      return text == null ? null : RetentionPolicy.parseDuration(option, text);
    }

    @Override
    public Integer call() {
      RetentionPolicy rules =
          new RetentionPolicy(
              last,
              daily,
              weekly,
              monthly,
              tags,
              duration("--keep-within", within),
              duration("--keep-within-daily", withinDaily),
              duration("--keep-within-weekly", withinWeekly),
              duration("--keep-within-monthly", withinMonthly),
              policy == Policy.faq);
      Output.requireYesWithJson(yes, dryRun, json);
      SnapshotManager m = manager(connection, snapshotDir);
      PruneResult plan = m.prune(rules, true);
      PrintWriter out = spec.commandLine().getOut();
      boolean remove = !dryRun && !plan.removed().isEmpty();
      if (remove && !yes) {
        print(out, plan, true);
        if (!CleanupOrphansCommand.confirm(
            out, "Remove " + plan.removed().size() + " snapshot(s)? [y/N] ")) {
          out.println("Cancelled; nothing was removed.");
          out.flush();
          return ExitCodes.CANCELLED;
        }
      }
      if (remove) {
        for (SnapshotInfo s : plan.removed()) {
          m.deleteSnapshot(s.id());
        }
      }
      PruneResult done = new PruneResult(plan.kept(), plan.removed(), !remove);
      if (json) {
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, List<String>> kept = new LinkedHashMap<>();
        done.kept().forEach((s, why) -> kept.put(s.id(), why));
        r.put("kept", kept);
        r.put("removed", done.removed().stream().map(SnapshotInfo::id).toList());
        r.put("dry_run", dryRun);
        Output.json(out, r);
        return ExitCodes.OK;
      }
      if (!remove || yes) {
        print(out, done, dryRun);
      }
      out.printf(
          "%d kept, %d %s%n",
          done.kept().size(),
          done.removed().size(),
          dryRun ? "would be removed (dry run)" : "removed");
      out.flush();
      return ExitCodes.OK;
    }

    private static void print(PrintWriter out, PruneResult r, boolean wouldBe) {
      List<List<String>> rows = new ArrayList<>();
      r.kept().forEach((s, why) -> rows.add(List.of(s.id(), "keep", String.join(", ", why))));
      r.removed()
          .forEach(
              s ->
                  rows.add(
                      List.of(
                          s.id(),
                          wouldBe ? "would remove" : "removed",
                          s.description() == null ? "" : s.description())));
      rows.sort((a, b) -> b.get(0).compareTo(a.get(0)));
      Output.table(out, List.of("snapshot", "action", "kept because / description"), rows);
    }
  }
}
