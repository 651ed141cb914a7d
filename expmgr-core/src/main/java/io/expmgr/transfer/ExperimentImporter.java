package io.expmgr.transfer;

import static io.expmgr.transfer.ImportErrors.malformed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.TreeNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.ConflictException;
import io.expmgr.DataAccessException;
import io.expmgr.InvalidInputException;
import io.expmgr.NotFoundException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Catalog;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.db.Times;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports an {@link ExportFormat} document as a new experiment, streaming and all or nothing.
 *
 * <ul>
 *   <li>One write transaction holds every row; nothing is committed until the counts written
 *       (checked in the target with SQL) and the content checksum match what the document declares.
 *       A truncated, malformed or edited document is refused with the JSON path, line and column at
 *       fault, and the target is unchanged.
 *   <li>New ids are the source ids shifted by one offset per kind ({@code max(id) + 1} of the
 *       target minus the smallest source id): no id map in memory, whatever the size. Only a bit
 *       per metric and artifact id is kept, to tell definitions from references.
 *   <li>The target remembers each import ({@value ImportLedger#TABLE}); the same export again is
 *       refused naming the experiment it became, unless duplicates are allowed.
 * </ul>
 */
public final class ExperimentImporter {
  private static final Logger log = LoggerFactory.getLogger(ExperimentImporter.class);

  static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          // What an export writes, an import reads: a text value of any length (Jackson's
          // default stops at 20 MB).
          .streamReadConstraints(
              com.fasterxml.jackson.core.StreamReadConstraints.builder()
                  .maxStringLength(Integer.MAX_VALUE)
                  .build())
          .build();
  private static final ObjectMapper MAPPER = new ObjectMapper(JSON);

  private final Database db;
  private Schema schema;
  private Catalog catalog;
  private final Dialect d;

  /** An importer into a database that has the experiment tables. */
  public ExperimentImporter(Database db) {
    this.db = db;
    this.schema = io.expmgr.schema.SchemaMigrator.schemaOf(db);
    this.catalog = Catalog.read(db);
    this.d = db.dialect();
  }

  /** Imports the document in a file. */
  public ImportResult importFile(Path file, ImportOptions options, ProgressListener progress) {
    if (Files.isDirectory(file)) {
      throw new InvalidInputException(file + " is a directory, not an export file");
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return importStream(in, file.toString(), options, progress);
    } catch (NoSuchFileException e) {
      throw new NotFoundException("export file " + file + " does not exist");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new InvalidInputException("cannot read " + file + ": permission denied");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Imports the document read from a stream.
   *
   * @param name what to call the input in messages (a file name, {@code <stdin>})
   */
  public ImportResult importStream(
      InputStream in, String name, ImportOptions options, ProgressListener progress) {
    try (JsonParser p = JSON.createParser(in)) {
      return run(p, name, options, progress);
    } catch (IOException e) {
      throw malformed(name, e);
    }
  }

  /**
   * Imports a document already parsed into a tree (the FAQ's {@code json.load} then {@code
   * import_experiment_data}).
   */
  public ImportResult importTree(TreeNode document, ImportOptions options, ProgressListener p) {
    try (JsonParser parser = MAPPER.treeAsTokens(document)) {
      return run(parser, "the document", options, p);
    } catch (IOException e) {
      throw malformed("the document", e);
    }
  }

  private ImportResult run(JsonParser p, String name, ImportOptions options, ProgressListener pl)
      throws IOException {
    long started = System.nanoTime();
    SchemaCheck.require(db, schema);
    ExportHeader header = ExportHeader.read(p, name);
    db.requireIntact();
    List<String> madeOnServer = List.of();
    if (!d.supportsTransactionalDdl()) {
      // DDL commits on MySQL: the batch level is made before the transaction, and goes again if
      // the import fails.
      madeOnServer = db.withConnection(c -> makeBatchLevel(c, header));
    }
    try (Connection c = db.connectForWriting()) {
      c.setAutoCommit(false);
      try {
        if (d.supportsTransactionalDdl()) {
          makeBatchLevel(c, header);
        }
        DocumentLoad load = new DocumentLoad(db, schema, catalog, c, header, options, pl, name);
        ImportResult result;
        try {
          result = load.run(p, started);
        } finally {
          load.stopWriter();
        }
        if (options.dryRun()) {
          // Everything was written and checked; nothing stays.
          c.rollback();
          log.info(
              "dry run of the import of {}: {} rows would be imported", name, result.totalRows());
          return result;
        }
        c.commit();
        madeOnServer = List.of();
        log.info(
            "imported experiment {} of {} from {} as experiment {} of {}: {} rows in {} ms",
            header.sourceExperimentId,
            header.sourceIdentity,
            name,
            result.experimentId(),
            db.identity(),
            result.totalRows(),
            result.elapsed().toMillis());
        return result;
      } catch (SQLException | IOException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } catch (SQLException e) {
      if (options.preserveIds() && isDuplicateKey(e)) {
        throw new ConflictException(
            "--preserve-ids: an id of "
                + name
                + " is already taken in "
                + db.identity()
                + " ("
                + db.describe(e)
                + "); nothing was imported. Import without --preserve-ids to get new ids",
            e);
      }
      throw new DataAccessException(db.describe(e), e);
    } finally {
      dropQuietly(madeOnServer);
    }
  }

  /**
   * Makes the batch level in a target that lacks it, when the document has batches: in the target's
   * own DDL style (the tracker's DDL in a tracker database). The model and catalog are read again
   * with it. Returns the tables made.
   */
  private List<String> makeBatchLevel(Connection c, ExportHeader h) throws SQLException {
    long batchRows =
        h.counts.getOrDefault("batches", 0L)
            + h.counts.getOrDefault("batch_metrics", 0L)
            + h.counts.getOrDefault("batch_artifacts", 0L);
    java.util.Set<String> present = db.existingTables(c);
    List<String> missing = Schema.BATCH_LEVEL.stream().filter(t -> !present.contains(t)).toList();
    if (batchRows == 0 || missing.isEmpty()) {
      return List.of();
    }
    List<String> ddl = new ArrayList<>();
    if (catalog.layout() == Catalog.Layout.TRACKER) {
      ddl.addAll(io.expmgr.db.TrackerDdl.statementsFor(d.engine(), missing));
    } else {
      for (String t : missing) {
        ddl.addAll(io.expmgr.db.Ddl.createTable(Schema.v1().table(t), d));
      }
    }
    io.expmgr.db.Dialect.execute(c, ddl.toArray(String[]::new));
    log.info("made the batch level ({}) in {} for the document's batches", missing, db.identity());
    this.schema = Schema.forVersion(schema.version()).orElseThrow().presentIn(db.existingTables(c));
    this.catalog = Catalog.read(db, c);
    return missing;
  }

  /** Drops tables an import made before it failed. */
  private void dropQuietly(List<String> tables) {
    if (tables.isEmpty()) {
      return;
    }
    try {
      db.withConnection(
          c -> {
            List<String> reversed = new ArrayList<>(tables);
            java.util.Collections.reverse(reversed);
            for (String t : reversed) {
              io.expmgr.db.Dialect.execute(c, "DROP TABLE IF EXISTS " + d.quote(t));
            }
            return null;
          });
      this.schema = io.expmgr.schema.SchemaMigrator.schemaOf(db);
      this.catalog = Catalog.read(db);
    } catch (RuntimeException e) {
      log.warn("could not drop {} made by a failed import: {}", tables, e.getMessage());
    }
  }

  private boolean isDuplicateKey(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && db.dialect().isDuplicateKey(s)) {
        return true;
      }
      if (t instanceof java.sql.BatchUpdateException b && b.getNextException() != null) {
        if (isDuplicateKey(b.getNextException())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Refuses, before any other work (a safety snapshot), a file whose export was already imported
   * here; does nothing with {@code allowDuplicate} or when the file is not readable as an export
   * (the import itself then says what is wrong).
   *
   * @throws ConflictException naming the experiment the export became
   */
  public void checkNotImported(Path file, ImportOptions options) {
    if (options.allowDuplicate()) {
      return;
    }
    ExportHeader h;
    try (JsonParser p = JSON.createParser(file.toFile())) {
      h = ExportHeader.read(p, file.toString());
    } catch (IOException | InvalidInputException e) {
      return;
    }
    if (!db.existingTables().contains(ImportLedger.TABLE.toUpperCase(java.util.Locale.ROOT))) {
      return;
    }
    var earlier =
        db.withConnection(
            c -> ImportLedger.find(c, d, h.sourceIdentity, h.sourceExperimentId, h.sha));
    if (earlier.isPresent()) {
      throw alreadyImported(file.toString(), h, earlier.get());
    }
  }

  ConflictException alreadyImported(String name, ExportHeader h, ImportLedger.Entry earlier) {
    return alreadyImported(name, h, earlier, db.identity());
  }

  /** The refusal of an export already imported into the database named {@code target}. */
  static ConflictException alreadyImported(
      String name, ExportHeader h, ImportLedger.Entry earlier, String target) {
    return new ConflictException(
        name
            + " (experiment "
            + h.sourceExperimentId
            + " of "
            + h.sourceIdentity
            + ") was already imported into "
            + target
            + " as experiment "
            + earlier.targetExperimentId()
            + " on "
            + Times.format(earlier.importedAt()).substring(0, 19)
            + "; nothing was imported (--allow-duplicate imports it again)");
  }

  static String idKind(String table) {
    return switch (table) {
      case "TRIAL" -> "trial";
      case "TRIAL_RUN" -> "trial_run";
      case "METRIC" -> "metric";
      case "ARTIFACT" -> "artifact";
      default -> throw new IllegalArgumentException(table);
    };
  }
}
