package io.expmgr.manager;

import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.snapshot.SnapshotInfo;
import io.expmgr.snapshot.SnapshotManager;
import io.expmgr.transfer.ExperimentImporter;
import io.expmgr.transfer.ImportOptions;
import io.expmgr.transfer.ImportResult;
import io.expmgr.transfer.ImportTarget;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Imports an exported experiment into a database with the rules every caller gets, the command line
 * and Java programs alike: a target that does not exist is created (and removed again when the
 * import fails or is a dry run); an export already imported there is refused before anything
 * changes; a target holding data gets a safety snapshot first unless {@link Safety#none()}.
 */
public final class ImportOperation {
  /** What the import did, with the safety snapshot taken first (null when none was). */
  public record Outcome(ImportResult result, SnapshotInfo safetySnapshot, String database) {}

  private ImportOperation() {}

  /**
   * Imports from a file, or from {@code in} when {@code file} is null.
   *
   * @param sourceName how messages name the input ({@code <stdin>})
   * @param onSafetySnapshot told as soon as the safety snapshot exists, before the import starts
   */
  public static Outcome run(
      ConnectionConfig target,
      Path file,
      InputStream in,
      String sourceName,
      ImportOptions options,
      Safety safety,
      Consumer<SnapshotInfo> onSafetySnapshot,
      ProgressListener progress) {
    if (file != null && !Files.exists(file)) {
      throw new NotFoundException("export file " + file + " does not exist");
    }
    progress.onStep("opening " + target.identity(), "");
    ImportTarget into = ImportTarget.open(target);
    ImportResult r;
    SnapshotInfo taken = null;
    try {
      ExperimentImporter importer = new ExperimentImporter(into.database());
      if (file != null) {
        importer.checkNotImported(file, options);
      }
      if (safety.snapshot() && !into.wasEmpty() && !options.dryRun()) {
        taken =
            new SnapshotManager(into.database(), safety.directory())
                .createSnapshot(
                    "Before import-experiment " + (file != null ? file : sourceName),
                    List.of("safety"),
                    progress.within("safety snapshot: "));
        if (onSafetySnapshot != null) {
          onSafetySnapshot.accept(taken);
        }
      }
      r =
          file != null
              ? importer.importFile(file, options, progress)
              : importer.importStream(in, sourceName, options, progress);
    } catch (RuntimeException e) {
      into.discardIfCreated();
      throw e;
    }
    if (options.dryRun()) {
      // A database made only to try the import into goes again.
      into.discardIfCreated();
    }
    return new Outcome(r, taken, into.database().identity());
  }
}
