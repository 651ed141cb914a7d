package io.expmgr.cli;

import io.expmgr.cli.html.CleanupPage;
import io.expmgr.cli.html.HtmlReports;
import io.expmgr.manager.Operations;
import io.expmgr.validate.CleanupResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr cleanup-orphans}: removes rows whose parents are missing, safely. */
@Command(
    name = "cleanup-orphans",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Removes rows whose parent is missing, and what hangs off them (an orphaned run's",
      "epochs and metric links), children first, in one transaction, after a safety",
      "snapshot. Asks for confirmation unless --yes. Metrics and artifacts themselves stay."
    })
final class CleanupOrphansCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(names = "--dry-run", description = "Show exactly what would be removed; change nothing.")
  boolean dryRun;

  @Option(
      names = "--html",
      paramLabel = "REPORT.html",
      description =
          "With --dry-run: also write what would be removed as one self-contained HTML page.")
  java.nio.file.Path html;

  @Option(names = "--overwrite", description = "Replace the --html file if it exists.")
  boolean overwrite;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask for confirmation.")
  boolean yes;

  @Mixin SafetySnapshotOptions snapshotOptions;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (html != null) {
      if (!dryRun) {
        throw new io.expmgr.InvalidInputException(
            "--html goes with --dry-run: the page shows what would be removed");
      }
      Output.refuseExisting(html, overwrite, "--html");
      io.expmgr.internal.AtomicFiles.checkWritable(html);
    }
    Operations.CleanupPlan plan = Operations.planCleanup(connection.toConfig());
    CleanupResult preview = plan.preview();
    if (preview.totalDeleted() == 0 || dryRun) {
      print(out, preview, false);
      if (html != null) {
        HtmlReports.write(html, "cleanup.jte", CleanupPage.of(preview, connection.forCommands()));
        if (!json) {
          out.println("HTML report written to " + html.toAbsolutePath());
          out.flush();
        }
      }
      return ExitCodes.OK;
    }
    Output.requireYesWithJson(yes, false, json);
    if (!json) {
      print(out, preview, true);
    }
    if (!yes
        && !confirm(
            out,
            "Remove these "
                + preview.totalDeleted()
                + " rows from "
                + plan.database()
                + "? [y/N] ")) {
      out.println("Cancelled; nothing was changed.");
      out.flush();
      return ExitCodes.CANCELLED;
    }
    CleanupResult done;
    try (ProgressDisplay progress = Output.progress("cleanup-orphans", "", !json)) {
      done =
          Operations.cleanup(
              plan,
              snapshotOptions.safety(),
              safety -> {
                progress.clearLine();
                if (!json) {
                  out.println("Safety snapshot " + safety.id() + " at " + safety.path());
                  out.flush();
                }
              },
              progress);
    }
    print(out, done, false);
    return ExitCodes.OK;
  }

  /** Prints a result; {@code asking} when a question follows (a preview, not a dry run). */
  private void print(PrintWriter out, CleanupResult r, boolean asking) {
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("database", r.database());
      m.put("dry_run", r.dryRun());
      m.put("deleted", r.deleted());
      m.put("total_deleted", r.totalDeleted());
      m.put("passes", r.passes());
      m.put("sample", r.sample());
      m.put("safety_snapshot", r.safetySnapshot() == null ? null : r.safetySnapshot().id());
      m.put("duration_ms", r.durationMillis());
      Output.json(out, m);
      return;
    }
    if (r.totalDeleted() == 0) {
      out.println(
          "No orphans in " + r.database() + ": every foreign key holds. Nothing to remove.");
      out.flush();
      return;
    }
    out.println(
        (r.dryRun() ? "Would remove " : "Removed ")
            + Output.count(r.totalDeleted())
            + " rows from "
            + r.database()
            + ":");
    List<List<String>> rows = new ArrayList<>();
    r.deleted()
        .forEach((t, n) -> rows.add(List.of(t, Output.count(n), sampleText(r.sample().get(t), n))));
    Output.table(out, List.of("table", "rows", "first rows"), rows);
    if (r.dryRun() && !asking) {
      out.println("Dry run: nothing was changed.");
    }
    out.flush();
  }

  private static String sampleText(List<Map<String, Object>> sample, long n) {
    if (sample == null || sample.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (Map<String, Object> row : sample.subList(0, Math.min(3, sample.size()))) {
      parts.add(row.toString());
    }
    return String.join(" ", parts) + (n > parts.size() ? " ..." : "");
  }

  /** Reads one answer from standard input, so that {@code echo y | expmgr ...} works. */
  static boolean confirm(PrintWriter out, String question) {
    if (Output.quiet) {
      // Standard output is silenced; the question must still be seen.
      System.err.print(question);
      System.err.flush();
    } else {
      out.print(question);
      out.flush();
    }
    try {
      String line =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      return line != null
          && (line.trim().equalsIgnoreCase("y") || line.trim().equalsIgnoreCase("yes"));
    } catch (IOException e) {
      return false;
    }
  }
}
