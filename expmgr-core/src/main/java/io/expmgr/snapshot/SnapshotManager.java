package io.expmgr.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.expmgr.ProgressListener;
import io.expmgr.SnapshotException;
import io.expmgr.db.Catalog;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.Table;
import io.expmgr.db.TsvTables;
import io.expmgr.internal.AtomicFiles;
import io.expmgr.schema.SchemaMigrator;
import io.expmgr.state.DatabaseFolders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full, consistent, portable snapshots of an experiment database.
 *
 * <p>A snapshot is a folder {@code <id>/} holding its data and {@code manifest.json} (id, time,
 * description, tags, source, schema version, data format, row counts, size, SHA-256 of each data
 * file, tool version). The data is in one of two {@link SnapshotFormat}s, either of which restores
 * into any engine: {@code data.db}, a SQLite file with the model's tables (SQLite sources'
 * default), or one {@code <TABLE>.tsv} per table in the text format of MySQL's {@code LOAD DATA}
 * (MySQL sources' default). It is written under a dot-name and renamed when complete, so an
 * interrupted snapshot is never listed.
 *
 * <p>SQLite sources are copied as their file when SQLite guarantees the file cannot change during
 * the copy ({@link Database#copyFrozenFile}), else with the online backup API in one step; MySQL
 * sources are read in one consistent-snapshot transaction and streamed.
 */
public final class SnapshotManager {
  private static final Logger log = LoggerFactory.getLogger(SnapshotManager.class);

  /** Jackson, created on first use: some 400 classes that a snapshot loads beside its copy. */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

  /**
   * Version of the snapshot folder layout and manifest. 3: every table of the database, with the
   * catalog (DDL, columns, objects, settings) that makes it again; 2 held the model's tables only,
   * and still restores.
   */
  public static final int FORMAT_VERSION = 3;

  static final String DATA_FILE = "data.db";
  static final String MANIFEST = "manifest.json";
  static final String TSV_SUFFIX = ".tsv";

  private final Database db;
  private final Path directory;

  /**
   * @param directory where snapshots of this database live; null for the default {@link
   *     #defaultDirectory}
   */
  public SnapshotManager(Database db, Path directory) {
    this.db = db;
    this.directory = (directory == null ? defaultDirectory(db) : directory).toAbsolutePath();
    io.expmgr.internal.Leftovers.sweep(this.directory, "");
  }

  /** The default folder of a database by its name: {@link DatabaseFolders#byName}. */
  public static Path defaultDirectory(ConnectionConfig config) {
    return DatabaseFolders.byName(config);
  }

  /** The default folder of an opened database: {@link DatabaseFolders#of}. */
  public static Path defaultDirectory(Database db) {
    return DatabaseFolders.of(db);
  }

  public Path directory() {
    return directory;
  }

  /** Takes a snapshot with a description and no tags. */
  public SnapshotInfo createSnapshot(String description) {
    return createSnapshot(description, List.of(), ProgressListener.NONE);
  }

  /** Takes a snapshot in the engine's default format ({@link SnapshotFormat#defaultFor}). */
  public SnapshotInfo createSnapshot(
      String description, List<String> tags, ProgressListener progress) {
    return createSnapshot(description, tags, null, progress);
  }

  /**
   * Takes a snapshot.
   *
   * @param format null for the engine's default
   */
  public SnapshotInfo createSnapshot(
      String description, List<String> tags, SnapshotFormat format, ProgressListener progress) {
    SnapshotFormat fmt = format != null ? format : SnapshotFormat.defaultFor(db.engine());
    for (String tag : tags) {
      if (!tag.matches("[A-Za-z0-9._:-]{1,64}")) {
        throw new io.expmgr.InvalidInputException(
            "--tag must be 1 to 64 letters, digits, '.', '_', ':' or '-', got '" + tag + "'");
      }
    }
    try {
      Files.createDirectories(directory);
      SnapshotFiles.restrict(directory, true);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create snapshot folder " + directory + ": " + e.getMessage(), e);
    }
    OffsetDateTime now = OffsetDateTime.now();
    String id;
    try {
      id = reserveId(now);
    } catch (IOException e) {
      throw new SnapshotException(
          "cannot write snapshot into " + directory + ": " + e.getMessage(), e);
    }
    Path reservation = reservation(id);
    Path partial = directory.resolve("." + id + ".partial-" + ProcessHandle.current().pid());
    Thread cleanup =
        io.expmgr.internal.DaemonThreads.onExit(
            "snapshot-cleanup",
            () -> {
              SnapshotFiles.deleteTree(partial);
              SnapshotFiles.deleteQuietly(reservation);
            });
    long t0 = System.nanoTime();
    try {
      Files.createDirectory(partial);
      SnapshotFiles.restrict(partial, true);
      Schema schema = SchemaMigrator.schemaOf(db);
      String version = schema.version();
      // Every table of the database, not only the model's: what expmgr does not know is carried.
      Catalog catalog = Catalog.read(db);
      List<String> tables = catalog.tables().stream().map(Catalog.TableInfo::name).toList();
      // The manifest's JSON writer loads its classes on the spare core meanwhile.
      var warm = io.expmgr.internal.DaemonThreads.run(SnapshotManager::warmJson);
      ObjectNode m = Json.MAPPER.createObjectNode();
      m.put("format_version", FORMAT_VERSION);
      m.put("id", id);
      m.put("created_at", now.toString());
      m.put("description", description);
      m.set("tags", Json.MAPPER.valueToTree(tags));
      ObjectNode source = m.putObject("source");
      source.put("engine", db.engine().label());
      source.put("identity", db.identity());
      m.put("schema_version", version);
      m.put("data_format", fmt.label());
      Map<String, Long> counts;
      long size;
      if (fmt == SnapshotFormat.SQLITE) {
        Path data = partial.resolve(DATA_FILE);
        Map<String, Long> counted = null;
        String[] sums = null;
        if (db.dialect().isFileDatabase()) {
          String[][] copied = new String[1][];
          var frozen =
              db.copyFrozenFile(
                  tables,
                  (file, length) ->
                      copied[0] = SnapshotFiles.copyFile(file, length, data, progress));
          if (frozen.isPresent()) {
            counted = frozen.get();
            sums = copied[0];
          } else {
            counted = db.backupFileTo(data, tables);
          }
        } else {
          progress.onStep("copying the tables", "rows");
          counted = copyServer(data, catalog, schema, progress);
        }
        if (sums == null) {
          // Checksum and (when the copy did not count) row counts read the copy side by side.
          var digest = io.expmgr.internal.DaemonThreads.supply(() -> SnapshotFiles.checksums(data));
          counts = counted != null ? counted : countRows(data);
          sums = digest.join();
        } else {
          counts = counted;
        }
        SnapshotFiles.fsync(data);
        SnapshotFiles.restrict(data, false);
        size = Files.size(data);
        ObjectNode file = m.putArray("files").addObject();
        file.put("name", DATA_FILE);
        file.put("size_bytes", size);
        file.put("sha256", sums[0]);
        // CRC-32C too: hardware-fast, it lets a restore check for damage at the speed of the
        // copy; verify-snapshot checks the SHA-256.
        file.put("crc32c", sums[1]);
      } else {
        var files = m.putArray("files");
        progress.onStep("writing the tables", "rows");
        counts = writeTsv(partial, catalog, files, progress);
        size = 0;
        for (JsonNode f : files) {
          size += f.path("size_bytes").asLong();
        }
        m.set("tsv", Json.MAPPER.valueToTree(new java.util.TreeMap<>(TsvTables.FORMAT)));
      }
      warm.join();
      m.set("catalog", Json.MAPPER.valueToTree(catalog));
      m.set("row_counts", Json.MAPPER.valueToTree(counts));
      m.put("size_bytes", size);
      m.put("tool_version", toolVersion());
      AtomicFiles.write(partial.resolve(MANIFEST), Json.MAPPER.writeValueAsBytes(m));
      SnapshotFiles.restrict(partial.resolve(MANIFEST), false);
      Path done = directory.resolve(id);
      Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
      SnapshotFiles.deleteQuietly(reservation);
      SnapshotFiles.fsync(directory);
      log.info(
          "snapshot {} of {} taken in {} ms: {} rows, {} bytes",
          id,
          db.identity(),
          (System.nanoTime() - t0) / 1_000_000,
          counts.values().stream().mapToLong(Long::longValue).sum(),
          size);
      return read(done);
    } catch (IOException e) {
      throw new SnapshotException(
          "cannot write snapshot into " + directory + ": " + e.getMessage(), e);
    } finally {
      SnapshotFiles.deleteTree(partial);
      SnapshotFiles.deleteQuietly(reservation);
      io.expmgr.internal.DaemonThreads.cancelOnExit(cleanup);
    }
  }

  /** Snapshots in the folder, newest first. Damaged entries are included, marked as such. */
  public List<SnapshotInfo> listSnapshots() {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    List<SnapshotInfo> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(directory)) {
      for (Path p :
          s.filter(Files::isDirectory)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .toList()) {
        out.add(read(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory + ": " + e.getMessage(), e);
    }
    out.sort(
        Comparator.comparing(
                (SnapshotInfo i) -> i.createdAt() == null ? OffsetDateTime.MIN : i.createdAt())
            .thenComparing(SnapshotInfo::id)
            .reversed());
    return out;
  }

  /** Checks a snapshot id given by a user: the id form only, never a path. */
  public static String checkId(String id) {
    if (id == null || !id.matches("\\d{8}_\\d{6}(_\\d{1,4})?")) {
      throw new io.expmgr.InvalidInputException(
          "--snapshot-id must look like YYYYMMDD_HHMMSS (see list-snapshots), got '" + id + "'");
    }
    return id;
  }

  /** The snapshot with this id, damaged or not. */
  public SnapshotInfo find(String id) {
    Path folder = directory.resolve(checkId(id));
    if (!Files.isDirectory(folder)) {
      throw new io.expmgr.NotFoundException(
          "no snapshot " + id + " in " + directory + " (see list-snapshots)");
    }
    return read(folder);
  }

  /**
   * Checks that a snapshot can be trusted: the manifest reads, the data file has the recorded size
   * and SHA-256, it opens as SQLite, passes {@code PRAGMA integrity_check}, and holds the recorded
   * number of rows in every table.
   */
  public VerifyResult verifySnapshot(String id) {
    return verifySnapshot(id, ProgressListener.NONE);
  }

  /** As {@link #verifySnapshot(String)}, telling {@code progress} how far the checks are. */
  public VerifyResult verifySnapshot(String id, ProgressListener progress) {
    VerifyResult r = verifyUnrecorded(id, progress);
    record(find(id), r);
    return r;
  }

  /** The file in a snapshot's folder that remembers its last verification. */
  private static final String VERIFIED = ".verified.json";

  private static void record(SnapshotInfo info, VerifyResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("verified_at", OffsetDateTime.now().withNano(0).toString());
    m.put("ok", r.ok());
    m.put("problems", r.problems());
    try {
      io.expmgr.internal.AtomicFiles.write(
          info.path().resolve(VERIFIED), Json.MAPPER.writeValueAsBytes(m));
    } catch (IOException | RuntimeException e) {
      log.debug("cannot record the verification of {}: {}", info.id(), e.getMessage());
    }
  }

  /**
   * What is known of a snapshot without reading its data: {@code DAMAGED: ...} when its files do
   * not match the manifest or its last verification failed; {@code verified DATE} when {@code
   * verify-snapshot} passed and no file changed since; {@code unverified} otherwise (its checksums
   * were not checked since it was written, or something in it changed since).
   */
  public static String status(SnapshotInfo info) {
    if (info.isDamaged()) {
      return "DAMAGED: " + info.problem();
    }
    Path marker = info.path().resolve(VERIFIED);
    try {
      JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(marker));
      String at = m.path("verified_at").asText("");
      if (!m.path("ok").asBoolean(false)) {
        return "DAMAGED: "
            + m.path("problems").path(0).asText("verification failed")
            + " ("
            + at
            + ")";
      }
      java.nio.file.attribute.FileTime checked = Files.getLastModifiedTime(marker);
      try (var files = Files.list(info.path())) {
        boolean changed =
            files
                .filter(f -> !f.getFileName().toString().startsWith("."))
                .anyMatch(
                    f -> {
                      try {
                        return Files.getLastModifiedTime(f).compareTo(checked) > 0;
                      } catch (IOException e) {
                        return true;
                      }
                    });
        if (changed) {
          return "unverified (changed since verified "
              + at.substring(0, Math.min(10, at.length()))
              + ")";
        }
      }
      return "verified " + at.substring(0, Math.min(10, at.length()));
    } catch (java.nio.file.NoSuchFileException e) {
      return "unverified";
    } catch (IOException | RuntimeException e) {
      return "unverified";
    }
  }

  private VerifyResult verifyUnrecorded(String id, ProgressListener progress) {
    SnapshotInfo info = find(id);
    List<String> problems = new ArrayList<>();
    if (info.isDamaged()) {
      problems.add(info.problem());
      return new VerifyResult(id, problems);
    }
    if (SnapshotFormat.TSV.label().equals(info.format())) {
      return new VerifyResult(id, verifyTsv(info, progress));
    }
    Path data = info.path().resolve(DATA_FILE);
    progress.onStep("verifying " + id + ": SHA-256 and integrity", "MiB");
    var digest =
        io.expmgr.internal.DaemonThreads.supply(
            () -> SnapshotFiles.sha256Unchecked(data, progress));
    List<String> late = verifyContent(info, data);
    try {
      JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(info.path().resolve(MANIFEST)));
      String expected = m.path("files").path(0).path("sha256").asText("");
      if (!expected.equals(digest.join())) {
        problems.add(
            "checksum of "
                + DATA_FILE
                + " differs from the manifest (the file was changed or damaged)");
        return new VerifyResult(id, problems);
      }
    } catch (IOException e) {
      problems.add("cannot read: " + e.getMessage());
      return new VerifyResult(id, problems);
    }
    problems.addAll(late);
    return new VerifyResult(id, problems);
  }

  /**
   * Checks a TSV snapshot: every table of its schema has a file with the same columns, each file
   * has the recorded SHA-256, every row parses as its columns' types, and the rows per table are
   * those of the manifest. Two files are read at a time.
   */
  private List<String> verifyTsv(SnapshotInfo info, ProgressListener progress) {
    List<String> problems = new ArrayList<>();
    List<io.expmgr.db.Restorer.TsvFile> files;
    Map<String, String> sha = new java.util.HashMap<>();
    Source source;
    try {
      JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(info.path().resolve(MANIFEST)));
      source = source(info, m);
      files = TsvSnapshotFiles.tsvFiles(info, m, source);
      m.path("files").forEach(f -> sha.put(f.path("table").asText(), f.path("sha256").asText()));
    } catch (IOException | SnapshotException e) {
      problems.add(e.getMessage().replace("; nothing was restored", ""));
      return problems;
    }
    var pool = io.expmgr.internal.DaemonThreads.pool("verify-snapshot", 2);
    try {
      List<java.util.concurrent.Future<String>> checks = new ArrayList<>();
      for (var f : files) {
        checks.add(
            pool.submit(
                () ->
                    TsvSnapshotFiles.checkTsvFile(
                        f, source, sha.get(f.table().name()), info.rowCounts())));
      }
      progress.onStep("verifying " + info.id() + ": checksums and rows", "files");
      int done = 0;
      for (var c : checks) {
        String problem = c.get();
        progress.onProgress(++done, checks.size());
        if (problem != null) {
          problems.add(problem);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("verification interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      problems.add("cannot read: " + e.getCause().getMessage());
    } finally {
      pool.shutdownNow();
    }
    return problems;
  }

  /** Integrity check and row counts of a snapshot's data file; run beside the checksum. */
  private List<String> verifyContent(SnapshotInfo info, Path data) {
    List<String> problems = new ArrayList<>();
    try {
      Database snapshot = Database.openReadOnly(ConnectionConfig.sqlite(data));
      String integrity = snapshot.withConnection(c -> snapshot.dialect().integrityCheck(c));
      if (!"ok".equals(integrity)) {
        problems.add("integrity check failed: " + integrity);
        return problems;
      }
      Map<String, Long> all = countRows(data);
      Map<String, Long> counts = new LinkedHashMap<>();
      info.rowCounts().keySet().forEach(k -> counts.put(k, all.get(k)));
      if (!counts.equals(info.rowCounts())) {
        problems.add("row counts differ from the manifest: " + counts + " vs " + info.rowCounts());
      }
    } catch (RuntimeException e) {
      problems.add("data file does not open: " + e.getMessage());
    }
    return problems;
  }

  /** Removes a snapshot; it disappears from listings at once (renamed, then deleted). */
  public void deleteSnapshot(String id) {
    SnapshotInfo info = checkDeletable(id);
    Path gone = directory.resolve("." + id + ".deleting-" + ProcessHandle.current().pid());
    try {
      Files.move(info.path(), gone, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new SnapshotException("cannot delete snapshot " + id + ": " + e.getMessage(), e);
    }
    SnapshotFiles.deleteTree(gone);
    log.info("deleted snapshot {} of {}", id, db.identity());
  }

  /**
   * The snapshot, when {@link #deleteSnapshot} would delete it.
   *
   * @throws io.expmgr.ConflictException when an interrupted upgrade still needs it
   */
  public SnapshotInfo checkDeletable(String id) {
    SnapshotInfo info = find(id);
    keptByJournal(id)
        .ifPresent(
            j -> {
              throw new io.expmgr.ConflictException(
                  "snapshot "
                      + id
                      + " is kept: "
                      + j.describe()
                      + " was interrupted and may need it to put the database back; run schema"
                      + " upgrade once to settle it");
            });
    return info;
  }

  /**
   * Checks a snapshot's files against its manifest (sizes, then CRC-32C, or SHA-256 where no
   * CRC-32C was recorded) without touching any database: a caller refuses a restore here, before it
   * takes a safety snapshot or asks anything.
   *
   * @throws SnapshotException naming the first file that differs
   */
  public SnapshotInfo checkFiles(String id) {
    SnapshotInfo info = find(id);
    JsonNode manifest = soundManifest(info, "the database was not touched");
    for (JsonNode f : manifest.path("files")) {
      Path data = info.path().resolve(f.path("name").asText());
      String crc = f.path("crc32c").asText(null);
      String sha = f.path("sha256").asText(null);
      boolean same;
      try {
        same =
            Files.size(data) == f.path("size_bytes").asLong(-1)
                && (crc != null
                    ? crc.equals(SnapshotFiles.crc32c(data))
                    : sha != null
                        && sha.equals(SnapshotFiles.sha256Unchecked(data, ProgressListener.NONE)));
      } catch (IOException | UncheckedIOException e) {
        same = false;
      }
      if (!same) {
        throw new SnapshotException(
            "snapshot "
                + id
                + " is damaged ("
                + f.path("name").asText()
                + " differs from its manifest), the database was not touched");
      }
    }
    return info;
  }

  /**
   * The manifest of a snapshot the listing did not find damaged; {@code untouched} ends refusals.
   */
  private static JsonNode soundManifest(SnapshotInfo info, String untouched) {
    if (info.isDamaged()) {
      throw new SnapshotException(
          "snapshot " + info.id() + " is damaged, " + untouched + ": " + info.problem());
    }
    try {
      return Json.MAPPER.readTree(Files.readAllBytes(info.path().resolve(MANIFEST)));
    } catch (IOException e) {
      throw new SnapshotException(
          "cannot read the manifest of snapshot " + info.id() + ": " + e.getMessage(), e);
    }
  }

  /** The journal of an interrupted upgrade of this database that names snapshot {@code id}. */
  private java.util.Optional<io.expmgr.state.UpgradeJournal> keptByJournal(String id) {
    try {
      return io.expmgr.state.UpgradeJournal.read(db).filter(j -> j.needs(id, directory));
    } catch (RuntimeException e) {
      log.warn("cannot read the upgrade journal of {}: {}", db.identity(), e.getMessage());
      return java.util.Optional.empty();
    }
  }

  /**
   * Replaces the database's content with a snapshot's, after verifying the snapshot; the switch is
   * atomic (see {@link io.expmgr.db.Restorer}). The caller takes the safety snapshot.
   *
   * @throws SnapshotException when the snapshot cannot be trusted; the database is untouched
   */
  public SnapshotInfo restoreSnapshot(String id, ProgressListener progress) {
    progress.onStep("restoring " + id, "rows");
    // The manifest must read and the data file be whole; its checksum is checked while it is
    // copied, before anything is switched (verifySnapshot does the full, slower checks).
    SnapshotInfo info = find(id);
    JsonNode manifest = soundManifest(info, "nothing was restored");
    if (SnapshotFormat.TSV.label().equals(info.format())) {
      return restoreTsv(info, manifest, progress);
    }
    JsonNode file = manifest.path("files").path(0);
    String crc = file.path("crc32c").asText(null);
    String sha = file.path("sha256").asText(null);
    if (crc == null && sha == null) {
      throw new SnapshotException(
          "snapshot " + id + " has no checksum in its manifest; nothing was restored");
    }
    java.util.function.Consumer<Path> verifier =
        data -> {
          boolean same =
              crc != null
                  ? crc.equals(SnapshotFiles.crc32c(data))
                  : sha.equals(SnapshotFiles.sha256Unchecked(data, ProgressListener.NONE));
          if (!same) {
            throw new SnapshotException(
                "snapshot "
                    + id
                    + " is damaged (its data differs from the recorded checksum); nothing was restored");
          }
        };
    Source source = source(info, manifest);
    if (source.catalog().modelOnly() && db.dialect().isFileDatabase()) {
      // A snapshot of an earlier expmgr: its file holds the model's tables, and is copied whole.
      source =
          new Source(
              Catalog.read(
                  Database.openReadOnly(ConnectionConfig.sqlite(info.path().resolve(DATA_FILE)))),
              source.model());
    }
    io.expmgr.db.Restorer.restore(
        info.path().resolve(DATA_FILE),
        crc,
        verifier,
        info.rowCounts(),
        source.catalog(),
        source.model(),
        db.config(),
        progress);
    afterRestore(source, info.schemaVersion());
    log.info("restored snapshot {} into {}", id, db.identity());
    return info;
  }

  /**
   * What a snapshot was taken of: the source's catalog (every table with its DDL), or for a
   * snapshot of an earlier expmgr, which held only the model's tables, the model's; and the model
   * of its schema version as present there.
   */
  record Source(Catalog catalog, Schema model) {}

  private static Source source(SnapshotInfo info, JsonNode manifest) {
    Schema version =
        Schema.forVersion(info.schemaVersion() == null ? "" : info.schemaVersion()).orElse(null);
    JsonNode c = manifest.path("catalog");
    if (c.isObject()) {
      Catalog catalog;
      try {
        catalog = Json.MAPPER.treeToValue(c, Catalog.class);
      } catch (IOException | IllegalArgumentException e) {
        throw new SnapshotException(
            "snapshot "
                + info.id()
                + " has an unreadable catalog in its manifest: "
                + e.getMessage(),
            e);
      }
      Schema model = (version == null ? Schema.v1() : version).presentIn(catalog.tableNamesUpper());
      return new Source(catalog, model);
    }
    if (version == null) {
      throw new SnapshotException(
          "snapshot "
              + info.id()
              + " has schema version "
              + info.schemaVersion()
              + ", unknown to this expmgr (a newer one wrote it); nothing was restored");
    }
    Engine engine = Engine.ofRecorded(manifest.path("source").path("engine").asText(null));
    Set<String> present = new HashSet<>();
    manifest
        .path("row_counts")
        .fieldNames()
        .forEachRemaining(n -> present.add(n.toUpperCase(java.util.Locale.ROOT)));
    Schema model = version.presentIn(present);
    return new Source(Catalog.ofModel(model, engine), model);
  }

  /**
   * After a restore into MySQL, the tables of later schema versions that the snapshot does not have
   * go (their rows hang off the replaced data), and so does expmgr's own version history when the
   * snapshot had none of its own. A snapshot of an earlier expmgr (the model's tables only) gets
   * its version recorded, as its restore always did.
   */
  private void afterRestore(Source source, String version) {
    if (!db.dialect().isFileDatabase()) {
      alignServerSchema(Database.open(db.config(), OpenMode.EXISTING), source);
    }
    if (source.catalog().modelOnly() && Schema.forVersion(version).isPresent()) {
      Database target = Database.open(db.config(), OpenMode.EXISTING);
      if (!SchemaMigrator.recordedVersion(target).orElse("").equals(version)) {
        SchemaMigrator.resetHistory(target, version);
      }
    }
  }

  private SnapshotInfo restoreTsv(SnapshotInfo info, JsonNode manifest, ProgressListener progress) {
    Source source = source(info, manifest);
    var files = TsvSnapshotFiles.tsvFiles(info, manifest, source);
    io.expmgr.db.Restorer.restoreTsv(
        files, source.catalog(), source.model(), info.rowCounts(), db.config(), progress);
    afterRestore(source, info.schemaVersion());
    log.info("restored snapshot {} into {}", info.id(), db.identity());
    return info;
  }

  /**
   * After the snapshot's tables were swapped in: tables of later schema versions that the snapshot
   * does not have go, and so does the version history of expmgr when the snapshot did not have it.
   */
  private static void alignServerSchema(Database target, Source source) {
    Set<String> keep = new HashSet<>();
    source.catalog().tables().forEach(t -> keep.add(t.name().toUpperCase(java.util.Locale.ROOT)));
    List<String> later = new ArrayList<>();
    for (Schema v : Schema.versions()) {
      for (Table t : v.tables()) {
        if (!keep.contains(t.name().toUpperCase(java.util.Locale.ROOT))
            && !later.contains(t.name())) {
          later.add(t.name());
        }
      }
    }
    later.add(SchemaMigrator.HISTORY_TABLE);
    target.withConnection(
        c -> {
          Set<String> present = target.existingTables(c);
          java.util.Collections.reverse(later);
          for (String t : later) {
            if (!keep.contains(t.toUpperCase(java.util.Locale.ROOT))
                && present.contains(t.toUpperCase(java.util.Locale.ROOT))) {
              target.dialect().suspendForeignKeyChecks(c);
              io.expmgr.db.Dialect.execute(c, "DROP TABLE " + target.dialect().quote(t));
              target.dialect().resumeForeignKeyChecks(c);
              log.info("dropped {} (not in the snapshot)", t);
            }
          }
          return null;
        });
  }

  /** Applies a retention policy now; damaged snapshots are always kept. */
  public PruneResult prune(RetentionPolicy policy, boolean dryRun) {
    return prune(policy, dryRun, java.time.Instant.now());
  }

  /**
   * Applies a retention policy as of {@code now} (the FAQ's ages are counted to it); damaged
   * snapshots and those an upgrade journal needs are always kept.
   */
  public PruneResult prune(RetentionPolicy policy, boolean dryRun, java.time.Instant now) {
    List<SnapshotInfo> all = listSnapshots();
    Map<SnapshotInfo, List<String>> kept = new LinkedHashMap<>();
    List<SnapshotInfo> removed = new ArrayList<>();
    int last = policy.keepLast();
    int[] left = {policy.keepDaily(), policy.keepWeekly(), policy.keepMonthly()};
    String[] names = {"daily", "weekly", "monthly"};
    String[] lastBucket = new String[3];
    java.time.Duration[] within = {
      policy.keepWithinDaily(), policy.keepWithinWeekly(), policy.keepWithinMonthly()
    };
    String[] lastWithinBucket = new String[3];
    OffsetDateTime newest =
        all.stream()
            .filter(s -> !s.isDamaged() && s.createdAt() != null)
            .map(SnapshotInfo::createdAt)
            .max(java.util.Comparator.naturalOrder())
            .orElse(null);
    for (SnapshotInfo s : all) {
      List<String> why = new ArrayList<>();
      var journal = keptByJournal(s.id());
      if (journal.isPresent()) {
        why.add("needed by the journal of " + journal.get().describe());
      }
      if (s.isDamaged()) {
        why.add("damaged (inspect it by hand)");
      } else {
        if (last > 0) {
          why.add("last " + (policy.keepLast() - last + 1));
          last--;
        }
        var local = s.createdAt().atZoneSameInstant(java.time.ZoneId.systemDefault()).toLocalDate();
        String[] buckets = {
          local.toString(),
          local.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR)
              + "-W"
              + local.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR),
          local.getYear() + "-" + local.getMonthValue()
        };
        for (int r = 0; r < 3; r++) {
          if (left[r] > 0 && !buckets[r].equals(lastBucket[r])) {
            lastBucket[r] = buckets[r];
            left[r]--;
            why.add(names[r] + " " + buckets[r]);
          }
        }
        java.time.Duration sinceNewest = java.time.Duration.between(s.createdAt(), newest);
        if (policy.keepWithin() != null && sinceNewest.compareTo(policy.keepWithin()) <= 0) {
          why.add("within " + policy.keepWithin().toDays() + "d of the newest");
        }
        for (int r = 0; r < 3; r++) {
          if (within[r] != null
              && sinceNewest.compareTo(within[r]) <= 0
              && !buckets[r].equals(lastWithinBucket[r])) {
            lastWithinBucket[r] = buckets[r];
            why.add("within-" + names[r] + " " + buckets[r]);
          }
        }
        for (String tag : policy.keepTags()) {
          if (s.tags().contains(tag)) {
            why.add("tag " + tag);
          }
        }
        if (policy.faq()) {
          why.addAll(faqReason(s, now));
        }
      }
      if (why.isEmpty()) {
        removed.add(s);
      } else {
        kept.put(s, why);
      }
    }
    if (!dryRun) {
      for (SnapshotInfo s : removed) {
        deleteSnapshot(s.id());
      }
    }
    return new PruneResult(kept, removed, dryRun);
  }

  /** Why the FAQ's table keeps a snapshot (empty when it does not). */
  private static List<String> faqReason(SnapshotInfo s, java.time.Instant now) {
    RetentionPolicy.Kind kind = RetentionPolicy.Kind.of(s.tags(), s.description());
    if (kind == null) {
      return List.of("faq: no known kind (tag or description), never removed by the policy");
    }
    String name = kind.name().toLowerCase(java.util.Locale.ROOT);
    if (kind.kept() == null) {
      return List.of("faq: " + name + ", kept forever");
    }
    java.time.Duration age = java.time.Duration.between(s.createdAt().toInstant(), now);
    if (age.compareTo(kind.kept()) <= 0) {
      return List.of("faq: " + name + ", kept " + kind.kept().toDays() + " days");
    }
    return List.of();
  }

  private SnapshotInfo read(Path folder) {
    String id = folder.getFileName().toString();
    Path manifest = folder.resolve(MANIFEST);
    try {
      JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(manifest));
      Map<String, Long> counts = new LinkedHashMap<>();
      m.path("row_counts")
          .fields()
          .forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
      List<String> tags = new ArrayList<>();
      m.path("tags").forEach(t -> tags.add(t.asText()));
      String format = m.path("data_format").asText(SnapshotFormat.SQLITE.label());
      String problem = null;
      if (!id.equals(m.path("id").asText())) {
        problem = "manifest names id " + m.path("id").asText() + ", not its folder";
      } else if (counts.isEmpty()) {
        problem = "row counts differ from the manifest: it has none";
      } else if (format.equals(SnapshotFormat.SQLITE.label())) {
        if (!Files.isRegularFile(folder.resolve(DATA_FILE))) {
          problem = "data file " + DATA_FILE + " is missing";
        } else if (Files.size(folder.resolve(DATA_FILE)) != m.path("size_bytes").asLong(-1)) {
          problem = "data file size differs from the manifest";
        }
      } else if (format.equals(SnapshotFormat.TSV.label())) {
        problem = TsvSnapshotFiles.tsvProblem(folder, m);
      } else {
        problem = "unknown data format '" + format + "' (written by a newer expmgr?)";
      }
      return new SnapshotInfo(
          id,
          OffsetDateTime.parse(m.path("created_at").asText()),
          m.path("description").asText(null),
          tags,
          m.path("source").path("engine").asText(null),
          m.path("source").path("identity").asText(null),
          m.path("schema_version").asText(null),
          counts,
          m.path("size_bytes").asLong(),
          format,
          folder,
          problem);
    } catch (IOException | RuntimeException e) {
      String why =
          Files.exists(manifest)
              ? "manifest is unreadable: " + e.getMessage()
              : "manifest is missing";
      return new SnapshotInfo(
          id, null, null, List.of(), null, null, null, Map.of(), 0, null, folder, why);
    }
  }

  /** Loads Jackson's serializers of a manifest-like tree, so the real one is written at once. */
  private static void warmJson() {
    try {
      ObjectNode n = Json.MAPPER.createObjectNode();
      n.put("s", "x");
      n.put("n", 1L);
      n.set("m", Json.MAPPER.valueToTree(Map.of("a", 1L)));
      n.putArray("a").addObject().put("b", true);
      Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      // only a warm-up
    }
  }

  /**
   * Copies every table of a server database into a SQLite file, translated ({@link
   * io.expmgr.db.Translate}), from one consistent read; returns the rows copied per table. Values
   * come through the text protocol: times as the column's precision writes them, doubles as their
   * shortest exact text, a {@code FLOAT} as the shortest text of the float (0.45, not
   * 0.449999988079071), stored as SQLite doubles.
   */
  private Map<String, Long> copyServer(
      Path data, Catalog catalog, Schema model, ProgressListener progress) {
    Database target = Database.open(ConnectionConfig.sqlite(data), OpenMode.CREATE);
    Map<String, Long> counts = new LinkedHashMap<>();
    long done = 0;
    try (Connection from = db.connect();
        Connection to = target.connect()) {
      from.setAutoCommit(false);
      db.dialect().beginConsistentRead(from);
      target.dialect().tuneForBulkLoad(to);
      to.setAutoCommit(false);
      for (Catalog.TableInfo t : catalog.tables()) {
        Table tt = io.expmgr.db.Translate.table(t, db.engine(), model);
        io.expmgr.db.Dialect.execute(
            to, io.expmgr.db.Ddl.createTable(tt, target.dialect()).toArray(String[]::new));
        List<String> cols = t.columnNames();
        long n = 0;
        List<Object[]> batch = new ArrayList<>(2000);
        try (java.sql.Statement st = db.dialect().createStreamingTextStatement(from)) {
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT "
                      + io.expmgr.db.Ddl.quoteAll(cols, db.dialect())
                      + " FROM "
                      + db.dialect().quote(t.name()))) {
            while (rs.next()) {
              Object[] row = new Object[cols.size()];
              for (int i = 0; i < row.length; i++) {
                String text = rs.getString(i + 1);
                row[i] =
                    text == null
                        ? null
                        : switch (tt.columns().get(i).type()) {
                          case ID, INT -> Long.parseLong(text);
                          case DOUBLE -> Double.parseDouble(text);
                          default -> text;
                        };
              }
              batch.add(row);
              if (batch.size() == 2000) {
                io.expmgr.db.SqliteFormat.insertRows(to, t.name(), cols, batch);
                batch.clear();
                progress.onProgress(done + n + 1, -1);
              }
              n++;
            }
          }
        }
        io.expmgr.db.SqliteFormat.insertRows(to, t.name(), cols, batch);
        if (io.expmgr.db.FlywayHistory.is(t)) {
          // As Flyway makes it in SQLite, so that the file, restored as it is, upgrades.
          io.expmgr.db.FlywayHistory.remake(
              to, target.dialect(), t.name(), t.name() + "__expmgr_rows");
        }
        counts.put(t.name(), n);
        done += n;
      }
      to.commit();
      from.commit();
      progress.onProgress(done, done);
      return counts;
    } catch (SQLException e) {
      throw new SnapshotException(
          "cannot read " + db.identity() + " for a snapshot: " + db.describe(e), e);
    }
  }

  /** Writes every table as a TSV file, hashed as it is written; returns rows per table. */
  private Map<String, Long> writeTsv(
      Path partial, Catalog catalog, ArrayNode files, ProgressListener progress)
      throws IOException {
    List<HashingOutput> outs = new ArrayList<>();
    List<String> names = TsvTables.fileNames(catalog.tables());
    Map<String, TsvTables.Written> written;
    // Each file is synced on a second thread once written, while the next table is read.
    var syncer = io.expmgr.internal.DaemonThreads.pool("snapshot-sync", 1);
    List<java.util.concurrent.Future<?>> synced = new ArrayList<>();
    try {
      written =
          TsvTables.dump(
              db,
              catalog,
              t -> {
                HashingOutput o =
                    new HashingOutput(
                        partial.resolve(names.get(outs.size())),
                        file ->
                            synced.add(
                                syncer.submit(
                                    () -> {
                                      SnapshotFiles.fsync(file);
                                      return null;
                                    })));
                outs.add(o);
                return o;
              },
              progress);
      for (var f : synced) {
        f.get();
      }
    } catch (SQLException e) {
      throw new SnapshotException(
          "cannot read " + db.identity() + " for a snapshot: " + db.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SnapshotException("interrupted while syncing the snapshot", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new SnapshotException("cannot sync the snapshot: " + e.getCause(), e.getCause());
    } finally {
      for (HashingOutput o : outs) {
        o.close();
      }
      syncer.shutdownNow();
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (int i = 0; i < outs.size(); i++) {
      Catalog.TableInfo t = catalog.tables().get(i);
      HashingOutput o = outs.get(i);
      TsvTables.Written w = written.get(t.name());
      ObjectNode f = files.addObject();
      f.put("name", names.get(i));
      f.put("table", t.name());
      f.set("columns", Json.MAPPER.valueToTree(t.columnNames()));
      f.put("rows", w.rows());
      if (!w.storage().isEmpty()) {
        f.set("storage", Json.MAPPER.valueToTree(w.storage()));
      }
      f.put("size_bytes", o.size());
      f.put("sha256", o.sha256());
      f.put("crc32c", o.crc32c());
      counts.put(t.name(), w.rows());
    }
    return counts;
  }

  private static Map<String, Long> countRows(Path data) {
    Database copy = Database.openReadOnly(ConnectionConfig.sqlite(data));
    return copy.countRows(
        Catalog.read(copy).tables().stream().map(Catalog.TableInfo::name).toList());
  }

  /**
   * The id of a new snapshot: its second, and {@code _2}, {@code _3}... when that is taken. The id
   * is reserved by creating a dot-file of its name (atomic: of two snapshots started in the same
   * second, only one gets it), so two never end up in one folder.
   */
  private String reserveId(OffsetDateTime now) throws IOException {
    String base = now.format(ID);
    for (int n = 1; ; n++) {
      String id = n == 1 ? base : base + "_" + n;
      if (Files.exists(directory.resolve(id))) {
        continue;
      }
      try {
        Files.createFile(reservation(id));
      } catch (java.nio.file.FileAlreadyExistsException taken) {
        continue;
      }
      if (Files.exists(directory.resolve(id))) {
        // finished between the two checks: not ours
        SnapshotFiles.deleteQuietly(reservation(id));
        continue;
      }
      return id;
    }
  }

  /** {@link #reserveId}, for tests of snapshots taken in the same second. */
  String reserveIdForTest(OffsetDateTime now) throws IOException {
    return reserveId(now);
  }

  private Path reservation(String id) {
    return directory.resolve("." + id + ".reserved");
  }

  private static String toolVersion() {
    return io.expmgr.Version.tool();
  }
}
