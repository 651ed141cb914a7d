package io.expmgr.cli;

import io.expmgr.manager.Operations;
import io.expmgr.snapshot.SnapshotFormat;
import io.expmgr.snapshot.SnapshotInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr create-snapshot}. */
@Command(
    name = "create-snapshot",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Takes a full, consistent snapshot of the database while others keep writing:",
      "the data (a SQLite file, or one text file per table for MySQL and PostgreSQL,",
      "loaded back with LOAD DATA or COPY) plus",
      "a manifest (row counts, SHA-256, schema version) in",
      "$EXPMGR_HOME/snapshots/<database>/<YYYYMMDD_HHMMSS>/."
    })
final class CreateSnapshotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--description",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "What the snapshot is for.")
  String description;

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      description = "A label (repeatable), e.g. milestone.")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--snapshot-dir",
      paramLabel = "DIR",
      description = "Where snapshots go (default: $EXPMGR_HOME/snapshots/<database>).")
  Path snapshotDir;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "auto",
      description =
          "${COMPLETION-CANDIDATES}: how the data is held. auto (the default) is sqlite for"
              + " SQLite databases (one queryable file) and tsv for MySQL and PostgreSQL (one text"
              + " file per table, the fastest to write and to load back). Either restores into"
              + " any engine.")
  FormatChoice format;

  /** The values of --format. */
  enum FormatChoice {
    auto,
    sqlite,
    tsv
  }

  @Option(names = "--json", description = "Print the snapshot's details as JSON.")
  boolean json;

  @Override
  public Integer call() {
    SnapshotFormat fmt = SnapshotFormat.parse(format.name());
    SnapshotInfo s;
    try (ProgressDisplay progress = Output.progress("snapshot", "", !json)) {
      s =
          Operations.createSnapshot(
              connection.toConfig(), snapshotDir, description, tags, fmt, progress);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.json(out, ListSnapshotsCommand.toMap(s));
    } else {
      out.printf(
          "Snapshot %s of %s: %s rows, %s bytes%n  %s%n",
          s.id(),
          s.sourceIdentity(),
          Output.count(s.totalRows()),
          Output.count(s.sizeBytes()),
          s.path());
      out.flush();
    }
    return ExitCodes.OK;
  }
}
