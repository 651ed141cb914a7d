package io.expmgr.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.SchemaException;
import io.expmgr.db.Database;
import io.expmgr.internal.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The note a schema upgrade leaves while it changes a database: the versions and the snapshot taken
 * before. It lives where every process sees it ({@link DatabaseLock#stateFile}); a run that finds
 * one knows an earlier run died mid-way, and snapshot deletion keeps the snapshot it names.
 *
 * @param snapshotId null when the upgrade ran with {@code --no-snapshot}
 */
public record UpgradeJournal(
    String database,
    String from,
    String to,
    String snapshotId,
    String snapshotDir,
    long pid,
    String started) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The journal file of a database. */
  public static Path path(Database db) {
    return DatabaseLock.stateFile(db, "upgrade-journal.json");
  }

  /** A journal for an upgrade starting now in this process. */
  public static UpgradeJournal starting(Database db, String from, String to, String id, Path dir) {
    return new UpgradeJournal(
        db.identity(),
        from,
        to,
        id,
        dir == null ? null : dir.toString(),
        ProcessHandle.current().pid(),
        OffsetDateTime.now().withNano(0).toString());
  }

  /**
   * The journal of the database, if an upgrade left one.
   *
   * @throws SchemaException when the file is there but unreadable (it is named, to inspect)
   */
  public static Optional<UpgradeJournal> read(Database db) {
    Path p = path(db);
    try {
      JsonNode j = JSON.readTree(Files.readAllBytes(p));
      if (j == null || !j.isObject() || !j.hasNonNull("from") || !j.hasNonNull("to")) {
        throw new SchemaException(
            "the upgrade journal " + p + " is not one expmgr wrote; move it away to go on");
      }
      return Optional.of(
          new UpgradeJournal(
              j.path("database").asText(""),
              j.path("from").asText(),
              j.path("to").asText(),
              j.path("snapshot_id").asText(null),
              j.path("snapshot_dir").asText(null),
              j.path("pid").asLong(),
              j.path("started").asText("")));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new SchemaException(
          "the upgrade journal " + p + " is damaged (" + e.getOriginalMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the upgrade journal " + p, e);
    }
  }

  /** Writes this journal atomically. */
  public Path write(Database db) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("database", database);
    j.put("from", from);
    j.put("to", to);
    j.put("snapshot_id", snapshotId);
    j.put("snapshot_dir", snapshotDir);
    j.put("pid", pid);
    j.put("started", started);
    Path p = path(db);
    try {
      AtomicFiles.write(p, JSON.writeValueAsBytes(j));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the upgrade journal " + p, e);
    }
    return p;
  }

  /** Removes the database's journal, if any. */
  public static void delete(Database db) {
    try {
      Files.deleteIfExists(path(db));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the upgrade journal " + path(db), e);
    }
  }

  /** True when this journal still needs snapshot {@code id} of folder {@code dir}. */
  public boolean needs(String id, Path dir) {
    if (snapshotId == null || !snapshotId.equals(id) || snapshotDir == null) {
      return false;
    }
    try {
      return Files.isSameFile(Path.of(snapshotDir), dir);
    } catch (IOException e) {
      return Path.of(snapshotDir)
          .toAbsolutePath()
          .normalize()
          .equals(dir.toAbsolutePath().normalize());
    }
  }

  /** "the upgrade 1.0 -> 2.1 started ... by pid N". */
  public String describe() {
    return "an upgrade " + from + " -> " + to + " (pid " + pid + ", started " + started + ")";
  }
}
