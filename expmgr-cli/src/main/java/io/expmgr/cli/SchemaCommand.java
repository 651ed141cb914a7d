package io.expmgr.cli;

import io.expmgr.manager.Operations;
import io.expmgr.upgrade.SchemaStatus;
import io.expmgr.upgrade.UpgradeOptions;
import io.expmgr.upgrade.UpgradeResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr schema status|upgrade}. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = "Schema versions (1.0, 2.0, 2.1): where a database stands, and safe upgrades.",
    subcommands = {SchemaCommand.StatusCommand.class, SchemaCommand.UpgradeCommand.class})
final class SchemaCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "schema needs a subcommand: status or upgrade");
  }

  /** {@code expmgr schema status}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "The database's schema version, the versions available, what an upgrade would apply,",
        "and whether its tables match the model of its version."
      })
  static final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ConnectionOptions connection;

    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Option(
        names = "--html",
        paramLabel = "FILE.html",
        description =
            "Also write the status as one self-contained HTML page: the tables against the"
                + " model, and what an upgrade would apply.")
    java.nio.file.Path html;

    @Option(names = "--overwrite", description = "Replace the --html file if it exists.")
    boolean overwrite;

    @Override
    public Integer call() {
      Output.refuseExisting(html, overwrite, "--html");
      SchemaStatus s = Operations.schemaStatus(connection.toConfig());
      PrintWriter out = spec.commandLine().getOut();
      if (html != null) {
        io.expmgr.cli.html.HtmlReports.write(
            html,
            "schema.jte",
            io.expmgr.cli.html.SchemaPage.of(s, Operations.modelColumns(s.version())));
        if (!json) {
          out.println("HTML report written to " + html.toAbsolutePath());
          out.flush();
        }
      }
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("database", s.database());
        m.put("version", s.version());
        m.put("recorded", s.recorded());
        m.put("empty", s.empty());
        m.put("available", s.available());
        m.put("latest", s.latest());
        m.put("pending", s.pending());
        m.put("matches_model", s.matchesModel());
        m.put("missing", s.missing());
        m.put("extra", s.extra());
        m.put("extra_tables", s.extraTables());
        m.put("layout", s.layout());
        m.put("batch_level", s.batchLevel());
        m.put("tracker_version", s.trackerVersion());
        Output.json(out, m);
        return ExitCodes.OK;
      }
      out.println("Database:  " + s.database());
      if (s.empty()) {
        out.println("Version:   none (no experiment tables)");
      } else if (s.version() == null) {
        out.println("Version:   unknown: the tables match no version");
      } else {
        out.println(
            "Version:   "
                + s.version()
                + (s.recorded() ? "" : " (recognised from its tables; no version history yet)"));
      }
      if (s.trackerVersion() != null) {
        out.println("Tracker:   SCHEMA_VERSION records " + s.trackerVersion());
      }
      if (!s.empty()) {
        out.println(
            "Layout:    "
                + s.layout()
                + (s.batchLevel()
                    ? ", with the batch level (BATCH, BATCH_METRIC, BATCH_ARTIFACT)"
                    : ", without the batch level"));
      }
      out.println(
          "Available: " + String.join(", ", s.available()) + " (latest " + s.latest() + ")");
      if (s.version() != null) {
        if (s.pending().isEmpty()) {
          out.println("Upgrade:   nothing to apply");
        } else {
          out.println("Upgrade to " + s.latest() + " would apply:");
          s.pending()
              .forEach((v, changes) -> changes.forEach(c -> out.println("  " + v + ": " + c)));
        }
      }
      out.println(
          "Tables:    "
              + (s.problems().isEmpty()
                  ? (s.version() == null ? "-" : "match the model of " + s.version())
                  : String.join("; ", s.problems())));
      if (!s.extraTables().isEmpty()) {
        out.println(
            "Other:     "
                + s.extraTables().size()
                + " tables expmgr does not model, carried unchanged: "
                + String.join(", ", s.extraTables()));
      }
      if (!s.extra().isEmpty()) {
        out.println(
            "           columns expmgr does not model, carried unchanged: "
                + String.join(", ", s.extra()));
      }
      out.flush();
      return s.version() == null && !s.empty() ? ExitCodes.SCHEMA : ExitCodes.OK;
    }
  }

  /** {@code expmgr schema upgrade}. */
  @Command(
      name = "upgrade",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Upgrades the schema the safe way: snapshot, validate, apply to a copy restored from",
        "the snapshot and validate it, apply for real and validate again. On any failure the",
        "snapshot is restored automatically. One upgrade at a time per database."
      })
  static final class UpgradeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ConnectionOptions connection;

    @Option(
        names = "--to-version",
        paramLabel = "VERSION",
        description = "Version to reach (default: latest).")
    String to;

    /** The earlier spelling, kept so that scripts still run. */
    @Option(names = "--to", paramLabel = "VERSION", hidden = true)
    void legacyTo(String version) {
      to = version;
    }

    @Option(names = "--dry-run", description = "Print the statements and checks; change nothing.")
    boolean dryRun;

    @Option(
        names = "--no-snapshot",
        description = "Skip the snapshot (and so the trial on a copy and the automatic restore).")
    boolean noSnapshot;

    @Option(
        names = "--no-trial",
        description =
            "Skip the trial on a copy (for an account that may not create the scratch database"
                + " it needs); the snapshot and the automatic restore stay.")
    boolean noTrial;

    @Option(
        names = "--snapshot-dir",
        paramLabel = "DIR",
        description = "Where the snapshot goes (default: $EXPMGR_HOME/snapshots/<database>).")
    Path snapshotDir;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      UpgradeResult r;
      try (ProgressDisplay progress = Output.progress("schema upgrade", "", !json)) {
        r =
            Operations.upgradeSchema(
                connection.toConfig(),
                new UpgradeOptions(to, dryRun, noSnapshot, noTrial),
                snapshotDir,
                line -> {
                  if (!json) {
                    progress.clearLine();
                    out.println(line);
                    out.flush();
                  }
                },
                progress);
      }
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("database", r.database());
        m.put("from", r.fromVersion());
        m.put("to", r.toVersion());
        m.put("outcome", r.outcome().name().toLowerCase());
        m.put("statements", r.statements());
        m.put("snapshot", r.snapshot() == null ? null : r.snapshot().id());
        m.put("validation_before", r.before() == null ? null : r.before().summaryStatus());
        m.put("validation_after", r.after() == null ? null : r.after().summaryStatus());
        m.put("duration_ms", r.elapsed().toMillis());
        Output.json(out, m);
      } else {
        switch (r.outcome()) {
          case UP_TO_DATE ->
              out.println(r.database() + " is already at schema " + r.toVersion() + ".");
          case DRY_RUN -> {
            out.println(
                "Dry run: upgrading "
                    + r.database()
                    + " from "
                    + r.fromVersion()
                    + " to "
                    + r.toVersion()
                    + " would run:");
            r.statements()
                .forEach((v, sql) -> sql.forEach(s -> out.println("  [" + v + "] " + s + ";")));
            out.println("with these checks: " + String.join(", ", checks(noSnapshot)));
            out.println("Nothing was changed.");
          }
          case VALIDATION_FAILED -> {
            out.println("Validation failed before the upgrade; nothing was changed:");
            ReportPrinter.print(out, r.before());
          }
          case UPGRADED ->
              out.printf(
                  "Upgraded %s from %s to %s in %.1f s (snapshot before: %s).%n",
                  r.database(),
                  r.fromVersion(),
                  r.toVersion(),
                  r.elapsed().toMillis() / 1000.0,
                  r.snapshot() == null ? "none" : r.snapshot().id());
        }
      }
      out.flush();
      return r.outcome() == UpgradeResult.Outcome.VALIDATION_FAILED
          ? ExitCodes.VALIDATION_FAILED
          : ExitCodes.OK;
    }

    private static List<String> checks(boolean noSnapshot) {
      return noSnapshot
          ? List.of("validate before", "validate after")
          : List.of(
              "snapshot",
              "validate before",
              "upgrade a copy restored from the snapshot",
              "validate the copy",
              "validate after",
              "restore the snapshot on any failure");
    }
  }
}
