package io.expmgr.transfer;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.schema.SchemaMigrator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database an import writes to, created when needed: a SQLite path that does not exist becomes
 * a new database, and a database without the experiment tables gets the current schema. A SQLite
 * file created this way is removed again when the import fails, so a refused import leaves nothing
 * behind.
 */
public final class ImportTarget {
  private static final Logger log = LoggerFactory.getLogger(ImportTarget.class);

  private final Database db;
  private final Path createdFile;
  private final boolean empty;

  private ImportTarget(Database db, Path createdFile, boolean empty) {
    this.db = db;
    this.createdFile = createdFile;
    this.empty = empty;
  }

  /** Opens (or creates) the target and makes sure it has the experiment tables. */
  public static ImportTarget open(ConnectionConfig config) {
    Path created = null;
    if (!config.mayExist()) {
      created = config.sqlitePath();
    }
    try {
      Database db = Database.open(config, OpenMode.CREATE);
      Schema schema = Schema.current();
      boolean empty =
          SchemaCheck.gaps(db, schema).isEmpty(schema) || SchemaMigrator.isHalfCreated(db);
      if (empty) {
        SchemaMigrator.migrateToCurrent(db);
        log.info("created schema {} in {}", schema.version(), db.identity());
      }
      SchemaCheck.require(db, schema);
      return new ImportTarget(db, created, empty);
    } catch (RuntimeException e) {
      deleteSqlite(created);
      throw e;
    }
  }

  public Database database() {
    return db;
  }

  /** True when the target had no experiment tables before (nothing in it to protect). */
  public boolean wasEmpty() {
    return empty;
  }

  /** Removes the SQLite file this target created, after a failed import. */
  public void discardIfCreated() {
    deleteSqlite(createdFile);
  }

  private static void deleteSqlite(Path file) {
    if (file == null) {
      return;
    }
    for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
      try {
        Files.deleteIfExists(Path.of(file + suffix));
      } catch (IOException e) {
        log.warn("could not remove {}{}: {}", file, suffix, e.getMessage());
      }
    }
  }
}
