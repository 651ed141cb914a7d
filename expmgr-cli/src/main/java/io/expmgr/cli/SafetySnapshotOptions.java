package io.expmgr.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of commands that take a safety snapshot before they change a database. */
final class SafetySnapshotOptions {
  @Option(names = "--no-snapshot", description = "Skip the safety snapshot (you have a backup).")
  boolean noSnapshot;

  @Option(
      names = "--snapshot-dir",
      paramLabel = "DIR",
      description = "Where the safety snapshot goes (default: $EXPMGR_HOME/snapshots/<database>).")
  Path snapshotDir;

  /** The library's safety rule these options ask for. */
  io.expmgr.manager.Safety safety() {
    return new io.expmgr.manager.Safety(!noSnapshot, snapshotDir);
  }
}
