package io.expmgr.cli;

import io.expmgr.cli.html.HtmlReports;
import io.expmgr.cli.html.SnapshotsPage;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.manager.Operations;
import io.expmgr.snapshot.RetentionPolicy;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code expmgr list-snapshots}: the snapshots of a database, newest first. */
@Command(
    name = "list-snapshots",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Lists the snapshots of a database, newest first; damaged entries are shown as such.")
final class ListSnapshotsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--snapshot-dir",
      paramLabel = "DIR",
      description = "Where snapshots are (default: $EXPMGR_HOME/snapshots/<database>).")
  Path snapshotDir;

  @Option(names = "--json", description = "Print the list as JSON.")
  boolean json;

  @Option(
      names = "--html",
      paramLabel = "FILE.html",
      description =
          "Also write the snapshots as one self-contained HTML page: a timeline with sizes, row"
              + " counts, damaged ones marked, and which ones the FAQ's retention policy would"
              + " keep and why (prune-snapshots --policy faq).")
  Path html;

  @Option(names = "--overwrite", description = "Replace the --html file if it exists.")
  boolean overwrite;

  @Option(
      names = "--verify",
      description =
          "Verify every snapshot first (checksums, integrity, row counts), as verify-snapshot"
              + " does; without it the status says what was last checked.")
  boolean verify;

  @Override
  public Integer call() {
    Output.refuseExisting(html, overwrite, "--html");
    ConnectionConfig config = connection.toConfig();
    // Listing needs no connection: snapshots outlive their database (that is what they are for).
    SnapshotManager manager = Operations.snapshots(config, snapshotDir);
    Path dir = manager.directory();
    List<SnapshotInfo> all = manager.listSnapshots();
    if (verify) {
      try (ProgressDisplay progress = Output.progress("verify", "MiB", !json)) {
        for (SnapshotInfo s : all) {
          manager.verifySnapshot(s.id(), progress);
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (html != null) {
      HtmlReports.write(
          html,
          "snapshots.jte",
          SnapshotsPage.of(
              dir.toAbsolutePath().toString(),
              all,
              SnapshotManager::status,
              all.isEmpty() ? null : manager.prune(RetentionPolicy.faqTable(), true),
              "the FAQ's table (prune-snapshots --policy faq)"));
      if (!json) {
        out.println("HTML report written to " + html.toAbsolutePath());
        out.flush();
      }
    }
    if (json) {
      List<Map<String, Object>> list = new ArrayList<>();
      all.forEach(s -> list.add(toMap(s)));
      Output.json(out, list);
      return ExitCodes.OK;
    }
    if (all.isEmpty()) {
      out.println("No snapshots in " + dir.toAbsolutePath());
      out.flush();
      return ExitCodes.OK;
    }
    List<List<String>> rows = new ArrayList<>();
    for (SnapshotInfo s : all) {
      rows.add(
          List.of(
              s.id(),
              s.createdAt() == null
                  ? "?"
                  : s.createdAt().toLocalDateTime().withNano(0).toString().replace('T', ' '),
              SnapshotManager.status(s),
              Output.count(s.totalRows()),
              Output.count(s.sizeBytes()),
              s.schemaVersion() == null ? "?" : s.schemaVersion(),
              s.format() == null ? "?" : s.format(),
              String.join(",", s.tags()),
              s.description() == null ? "" : s.description()));
    }
    out.println("Snapshots in " + dir.toAbsolutePath() + ":");
    Output.table(
        out,
        List.of(
            "id", "created", "status", "rows", "bytes", "schema", "format", "tags", "description"),
        rows);
    if (verify && all.stream().anyMatch(s -> SnapshotManager.status(s).startsWith("DAMAGED"))) {
      return ExitCodes.SNAPSHOT;
    }
    return ExitCodes.OK;
  }

  static Map<String, Object> toMap(SnapshotInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("created_at", s.createdAt() == null ? null : s.createdAt().toString());
    m.put("description", s.description());
    m.put("tags", s.tags());
    m.put("source_engine", s.sourceEngine());
    m.put("source_identity", s.sourceIdentity());
    m.put("schema_version", s.schemaVersion());
    m.put("row_counts", s.rowCounts());
    m.put("size_bytes", s.sizeBytes());
    m.put("format", s.format());
    m.put("path", s.path().toString());
    m.put("problem", s.problem());
    m.put("status", SnapshotManager.status(s));
    return m;
  }
}
