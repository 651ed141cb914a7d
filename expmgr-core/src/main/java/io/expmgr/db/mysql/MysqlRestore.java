package io.expmgr.db.mysql;

import io.expmgr.DataAccessException;
import io.expmgr.ProgressListener;
import io.expmgr.db.Catalog;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.FlywayHistory;
import io.expmgr.db.ForeignKey;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Restorer;
import io.expmgr.db.Restorer.CrcInput;
import io.expmgr.db.Restorer.RowSupplier;
import io.expmgr.db.Restorer.TsvFile;
import io.expmgr.db.Schema;
import io.expmgr.db.SnapshotRestore;
import io.expmgr.db.Table;
import io.expmgr.db.Translate;
import io.expmgr.db.TsvReader;
import io.expmgr.internal.DaemonThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore into MySQL: every table of the snapshot is loaded into a shadow table, then one {@code
 * RENAME TABLE} swaps all of them with the live ones at once, and the old tables are dropped. The
 * live tables are untouched until the swap; a failure drops the shadows.
 *
 * <p>A snapshot of a MySQL database gives its tables back exactly as they were: each shadow is made
 * from the table's own {@code SHOW CREATE TABLE} text (character sets, {@code FLOAT}, {@code JSON},
 * {@code DATETIME} precision, key and constraint names), loaded with only its primary key, then
 * given its other keys and its foreign keys; its views and triggers are made again. A snapshot of
 * SQLite is translated ({@link Translate}).
 */
final class MysqlRestore implements SnapshotRestore {
  static final MysqlRestore INSTANCE = new MysqlRestore();

  private static final Logger log = LoggerFactory.getLogger(MysqlRestore.class);
  static final String NEW = "__expmgr_new";
  static final String OLD = "__expmgr_old";

  private MysqlRestore() {}

  /** Loads one snapshot table into a shadow table; returns the rows stored. */
  @FunctionalInterface
  interface Loader {
    long load(
        Catalog.TableInfo from,
        String shadow,
        List<String> columns,
        Database db,
        boolean localInfile)
        throws Exception;
  }

  /** How one snapshot table becomes its shadow. */
  private record Plan(
      Catalog.TableInfo from,
      String live,
      String shadow,
      String create,
      String addKeys,
      List<MysqlDdl.ForeignKeyLine> foreignKeys,
      Table translated) {}

  static void run(
      Catalog catalog,
      Schema model,
      Loader loader,
      Map<String, Long> expectedRows,
      ConnectionConfig target,
      String what,
      ProgressListener progress) {
    Database db = Database.open(target, OpenMode.CREATE);
    MySqlDialect d = MySqlDialect.INSTANCE;
    boolean exact = catalog.restoresExactlyInto(Engine.MYSQL);
    List<Plan> plans = new ArrayList<>();
    String tag = Long.toString(System.currentTimeMillis(), 36);
    for (Catalog.TableInfo t : catalog.tables()) {
      if (!Translate.carried(t, catalog.engine(), Engine.MYSQL)) {
        continue;
      }
      String shadow = shadowName(t.name(), NEW);
      if (exact) {
        MysqlDdl ddl = MysqlDdl.parse(t.ddl());
        plans.add(
            new Plan(
                t,
                t.name(),
                shadow,
                ddl.createTable(shadow),
                ddl.addKeys(shadow),
                ddl.foreignKeys(),
                null));
      } else {
        Table tt = Translate.table(t, catalog.engine(), model);
        // Keys and indexes come after the load; the foreign keys only tell which id columns
        // are assigned by the table itself (AUTO_INCREMENT) and which by a parent.
        Table shadowTable =
            new Table(shadow, tt.columns(), tt.primaryKey(), tt.foreignKeys(), tt.indexes());
        plans.add(
            new Plan(
                t,
                t.name(),
                shadow,
                Ddl.createTableOnly(shadowTable, d, tag, false),
                null,
                List.of(),
                tt));
      }
    }
    Map<String, String> shadowOf = new HashMap<>();
    plans.forEach(p -> shadowOf.put(p.live().toLowerCase(Locale.ROOT), p.shadow()));
    boolean locked = false;
    try (Connection to = db.connect()) {
      // Held until this connection closes: a second restore would drop this one's shadows.
      locked = d.tryNamedLock(to, lockName(db));
      if (!locked) {
        throw new io.expmgr.ConflictException(
            "another restore into " + db.identity() + " is running; try again when it ends");
      }
      try {
        d.tuneForBulkLoad(to);
        dropLeftovers(db, to, plans);
        for (Plan p : plans) {
          Dialect.execute(to, p.create());
        }
        boolean localInfile = localInfileAllowed(to);
        if (!localInfile) {
          log.warn(
              "{} does not allow LOAD DATA LOCAL INFILE (local_infile is OFF): restoring with"
                  + " INSERT statements, which is slower",
              db.identity());
        }
        Map<String, Long> rows = loadInParallel(loader, plans, db, localInfile);
        if (expectedRows != null) {
          // Tables this engine does not carry (SQLite's own counters) are not loaded.
          Map<String, Long> expected = new LinkedHashMap<>(expectedRows);
          expected.keySet().retainAll(rows.keySet());
          Restorer.requireRows(expected, rows);
        }
        for (Plan p : plans) {
          if (p.translated() != null && FlywayHistory.is(p.from())) {
            // Its rows arrived as text: the table Flyway makes here, with a boolean success and
            // the installed_on default its inserts rely on. The staging name is a shadow's, so
            // a restore killed meanwhile leaves nothing the next one does not sweep.
            FlywayHistory.remake(to, d, p.shadow(), shadowName(p.live() + "_rows", NEW));
          }
        }
        List<String[]> renameAfter = new ArrayList<>();
        for (Plan p : plans) {
          if (p.translated() != null) {
            Table shadowTable =
                new Table(
                    p.shadow(),
                    p.translated().columns(),
                    p.translated().primaryKey(),
                    p.translated().foreignKeys().stream()
                        .filter(
                            fk -> shadowOf.containsKey(fk.parentTable().toLowerCase(Locale.ROOT)))
                        .map(
                            fk ->
                                new ForeignKey(
                                    fk.columns(),
                                    shadowOf.get(fk.parentTable().toLowerCase(Locale.ROOT)),
                                    fk.parentColumns()))
                        .toList(),
                    p.translated().indexes());
            Dialect.execute(to, Ddl.createIndexes(shadowTable, d).toArray(String[]::new));
            Dialect.execute(to, Ddl.addForeignKeys(shadowTable, d, tag).toArray(String[]::new));
            continue;
          }
          if (p.addKeys() != null) {
            Dialect.execute(to, p.addKeys());
          }
          List<String> adds = new ArrayList<>();
          for (MysqlDdl.ForeignKeyLine fk : p.foreignKeys()) {
            String parent =
                shadowOf.getOrDefault(fk.parent().toLowerCase(Locale.ROOT), fk.parent());
            String name = MysqlDdl.shadowName(fk, p.live(), p.shadow());
            adds.add("ADD " + fk.with(name, parent));
            if (!name.startsWith(p.shadow() + "_ibfk_")) {
              renameAfter.add(new String[] {p.live(), name, fk.with(fk.name(), fk.parent())});
            }
          }
          if (!adds.isEmpty()) {
            Dialect.execute(
                to, "ALTER TABLE " + d.quote(p.shadow()) + " " + String.join(", ", adds));
          }
        }
        progress.onProgress(1, 1);
        Set<String> existing = db.existingTables(to);
        List<String> renames = new ArrayList<>();
        List<String> drops = new ArrayList<>();
        for (Plan p : plans) {
          if (existing.contains(p.live().toUpperCase(Locale.ROOT))) {
            String old = shadowName(p.live(), OLD);
            renames.add(d.quote(p.live()) + " TO " + d.quote(old));
            drops.add(d.quote(old));
          }
          renames.add(d.quote(p.shadow()) + " TO " + d.quote(p.live()));
        }
        // One statement: MySQL swaps every table atomically.
        Dialect.execute(to, "RENAME TABLE " + String.join(", ", renames));
        if (!drops.isEmpty()) {
          Dialect.execute(to, "DROP TABLE " + String.join(", ", drops));
        }
        for (String[] r : renameAfter) {
          // A foreign key whose name InnoDB does not carry through a rename gets it back.
          Dialect.execute(
              to,
              "ALTER TABLE "
                  + d.quote(r[0])
                  + " DROP FOREIGN KEY "
                  + d.quote(r[1])
                  + ", ADD "
                  + r[2]);
        }
        if (exact) {
          restoreObjects(to, catalog);
        } else {
          Restorer.warnUntranslatedObjects(catalog, db);
        }
        Dialect.execute(to, "SET SESSION foreign_key_checks=1", "SET SESSION unique_checks=1");
        log.info("restored {} into {}", what, db.identity());
      } finally {
        // The server would drop it a moment after the connection closes; a restore or clean-up
        // started at once must find it free.
        releaseQuietly(to, lockName(db));
      }
    } catch (SQLException e) {
      if (locked) {
        dropShadowsQuietly(db, plans);
      }
      throw new DataAccessException(
          "cannot restore into " + db.identity() + ": " + db.describe(e), e);
    } catch (RuntimeException e) {
      if (locked) {
        dropShadowsQuietly(db, plans);
      }
      throw e;
    }
  }

  /** Views and triggers of a MySQL snapshot, made again (as the restoring user). */
  private static void restoreObjects(Connection to, Catalog catalog) throws SQLException {
    MySqlDialect d = MySqlDialect.INSTANCE;
    for (Catalog.SchemaObject o : catalog.objects()) {
      String sql = withoutDefiner(o.sql());
      if (o.type().equals("view")) {
        Dialect.execute(to, "DROP VIEW IF EXISTS " + d.quote(o.name()), sql);
      } else if (o.type().equals("trigger")) {
        Dialect.execute(to, "DROP TRIGGER IF EXISTS " + d.quote(o.name()), sql);
      }
    }
  }

  /** The DDL without its {@code DEFINER=...} clause: made as the restoring user. */
  static String withoutDefiner(String sql) {
    return sql.replaceFirst("DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*` ", "");
  }

  /** {@code name + suffix}, within MySQL's 64 characters. */
  static String shadowName(String name, String suffix) {
    String base =
        name.length() + suffix.length() > 64 ? name.substring(0, 64 - suffix.length()) : name;
    return base + suffix;
  }

  private static boolean localInfileAllowed(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT @@GLOBAL.local_infile")) {
      return rs.next() && rs.getInt(1) == 1;
    }
  }

  private static Map<String, Long> loadInParallel(
      Loader loader, List<Plan> plans, Database db, boolean localInfile) {
    java.util.concurrent.ExecutorService pool = DaemonThreads.pool("restore-load", 2);
    try {
      List<java.util.concurrent.Future<Long>> loads = new ArrayList<>();
      for (Plan p : plans) {
        loads.add(
            pool.submit(
                () -> loader.load(p.from(), p.shadow(), p.from().columnNames(), db, localInfile)));
      }
      Map<String, Long> rows = new LinkedHashMap<>();
      for (int i = 0; i < loads.size(); i++) {
        rows.put(plans.get(i).from().name(), loads.get(i).get());
      }
      return rows;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataAccessException("restore interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof SQLException sql) {
        throw new DataAccessException(db.describe(sql), sql);
      }
      if (c instanceof IOException io) {
        throw new io.expmgr.SnapshotException(
            "cannot read the snapshot: "
                + (io.getMessage() != null ? io.getMessage() : io.toString())
                + "; nothing was restored",
            io);
      }
      throw c instanceof RuntimeException re ? re : new DataAccessException(String.valueOf(c), c);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void dropLeftovers(Database db, Connection c, List<Plan> plans)
      throws SQLException {
    Set<String> existing = db.existingTables(c);
    for (Plan p : plans) {
      for (String name : new String[] {p.shadow(), shadowName(p.live(), OLD)}) {
        if (existing.contains(name.toUpperCase(Locale.ROOT))) {
          Dialect.execute(c, "DROP TABLE " + db.dialect().quote(name));
          log.warn("dropped {} left by an interrupted restore", name);
        }
      }
    }
  }

  private static String lockName(Database db) {
    String name = "expmgr_restore_" + db.config().database();
    // Named locks are at most 64 characters.
    return name.length() > 64 ? name.substring(name.length() - 64) : name;
  }

  /**
   * Drops the shadow and old tables ({@code *__expmgr_new}, {@code *__expmgr_old}) that a restore
   * killed mid-way left, when no restore into the database is running (its named lock is free). The
   * swap is one statement, so such tables never hold the live data.
   *
   * @return how many were dropped
   */
  static int sweepLeftovers(Database db, Connection c) throws SQLException {
    List<String> leftovers = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
                + " AND (table_name LIKE ? OR table_name LIKE ?)")) {
      ps.setString(1, "%" + NEW.replace("_", "\\_"));
      ps.setString(2, "%" + OLD.replace("_", "\\_"));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          leftovers.add(rs.getString(1));
        }
      }
    }
    if (leftovers.isEmpty() || !MySqlDialect.INSTANCE.tryNamedLock(c, lockName(db))) {
      return 0;
    }
    try {
      Dialect.execute(c, "SET SESSION foreign_key_checks=0");
      for (String t : leftovers) {
        Dialect.execute(c, "DROP TABLE IF EXISTS " + db.dialect().quote(t));
        log.info("dropped {}, left by a restore that did not finish", t);
      }
      Dialect.execute(c, "SET SESSION foreign_key_checks=1");
    } finally {
      MySqlDialect.INSTANCE.releaseNamedLock(c, lockName(db));
    }
    return leftovers.size();
  }

  private static void releaseQuietly(Connection c, String name) {
    try {
      MySqlDialect.INSTANCE.releaseNamedLock(c, name);
    } catch (SQLException e) {
      log.debug(
          "could not release {}; closing the connection releases it: {}", name, e.getMessage());
    }
  }

  /** After a failed load: the live tables were never touched; the half-loaded shadows go. */
  private static void dropShadowsQuietly(Database db, List<Plan> plans) {
    try (Connection c = db.connect()) {
      if (!MySqlDialect.INSTANCE.tryNamedLock(c, lockName(db))) {
        // Another restore began: it drops them itself (they have its names).
        return;
      }
      Dialect.execute(c, "SET SESSION foreign_key_checks=0");
      Set<String> existing = db.existingTables(c);
      for (Plan p : plans) {
        if (existing.contains(p.shadow().toUpperCase(Locale.ROOT))) {
          Dialect.execute(c, "DROP TABLE " + db.dialect().quote(p.shadow()));
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.warn(
          "could not drop the shadow tables of a failed restore ({}); the next restore will",
          e.getMessage());
    }
  }

  @Override
  public void fromDataFile(
      Path sqliteData,
      String crc32c,
      java.util.function.Consumer<Path> verifier,
      java.util.Map<String, Long> expectedRows,
      Catalog catalog,
      Schema model,
      ConnectionConfig target,
      ProgressListener progress) {
    verifier.accept(sqliteData);
    Database source = Database.openReadOnly(ConnectionConfig.sqlite(sqliteData));
    // The file's own tables hold the rows; from MySQL they were translated into it by name.
    Catalog inFile = Catalog.read(source);
    run(
        catalog,
        model,
        (from, shadow, columns, db, localInfile) -> {
          Catalog.TableInfo stored = Restorer.storedTable(inFile, from);
          try (Connection src = source.connect();
              PreparedStatement read =
                  source
                      .dialect()
                      .prepareStreaming(
                          src, Restorer.selectAll(stored.name(), columns, source.dialect()));
              ResultSet rows = read.executeQuery()) {
            if (!localInfile) {
              return insertRows(
                  () -> {
                    if (!rows.next()) {
                      return null;
                    }
                    Object[] row = new Object[columns.size()];
                    for (int i = 0; i < row.length; i++) {
                      row[i] = rows.getObject(i + 1);
                    }
                    return row;
                  },
                  db,
                  shadow,
                  columns);
            }
            // LOAD DATA in auto-commit: one transaction per table, and the connection runs
            // nothing but statements that carry their own stream.
            try (Connection dst = db.connectForLoading()) {
              MySqlDialect.INSTANCE.prepareForLoading(dst);
              return MySqlDialect.INSTANCE.loadData(dst, shadow, columns, rows);
            }
          }
        },
        expectedRows,
        target,
        sqliteData.toString(),
        progress);
  }

  @Override
  public void fromTsv(
      List<TsvFile> files,
      Catalog catalog,
      Schema model,
      java.util.Map<String, Long> expectedRows,
      ConnectionConfig target,
      ProgressListener progress) {
    java.util.Map<String, TsvFile> byTable = new java.util.HashMap<>();
    files.forEach(f -> byTable.put(f.table().name(), f));
    run(
        catalog,
        model,
        (from, shadow, columns, db, localInfile) -> {
          TsvFile f = byTable.get(from.name());
          CrcInput in = new CrcInput(f);
          try {
            long n;
            if (localInfile) {
              try (Connection dst = db.connectForLoading()) {
                MySqlDialect.INSTANCE.prepareForLoading(dst);
                n = MySqlDialect.INSTANCE.loadStream(dst, shadow, columns, in);
              }
            } else {
              TsvReader r =
                  new TsvReader(
                      in,
                      columns,
                      java.util.Collections.nCopies(columns.size(), TsvReader.TEXT),
                      f.path().getFileName().toString());
              n = insertRows(r::next, db, shadow, columns);
            }
            in.check();
            return n;
          } finally {
            in.release();
          }
        },
        expectedRows,
        target,
        files.isEmpty() ? "" : files.get(0).path().getParent().toString(),
        progress);
  }

  /** One table by multi-row INSERTs in one transaction, for servers without local_infile. */
  private static long insertRows(RowSupplier rows, Database db, String into, List<String> columns)
      throws Exception {
    try (Connection dst = db.connect()) {
      db.dialect().tuneForBulkLoad(dst);
      dst.setAutoCommit(false);
      long n = 0;
      List<Object[]> batch = new ArrayList<>(INSERT_BATCH);
      for (Object[] row = rows.next(); row != null; row = rows.next()) {
        batch.add(row);
        n++;
        if (batch.size() == INSERT_BATCH) {
          MySqlDialect.INSTANCE.insertText(dst, into, columns, batch);
          batch.clear();
        }
      }
      MySqlDialect.INSTANCE.insertText(dst, into, columns, batch);
      dst.commit();
      return n;
    }
  }

  private static final int INSERT_BATCH = 2_000;
}
