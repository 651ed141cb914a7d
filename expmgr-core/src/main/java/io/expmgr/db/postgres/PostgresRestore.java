package io.expmgr.db.postgres;

import io.expmgr.ConflictException;
import io.expmgr.DataAccessException;
import io.expmgr.ProgressListener;
import io.expmgr.SnapshotException;
import io.expmgr.db.Catalog;
import io.expmgr.db.Column;
import io.expmgr.db.ColumnType;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.FlywayHistory;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Restorer;
import io.expmgr.db.Restorer.CrcInput;
import io.expmgr.db.Restorer.TsvFile;
import io.expmgr.db.Schema;
import io.expmgr.db.SnapshotRestore;
import io.expmgr.db.Table;
import io.expmgr.db.Translate;
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
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore into PostgreSQL in one transaction: each table of the snapshot is dropped, made again
 * from the model (or translated, for tables the model does not know), filled with {@code COPY}, and
 * given its indexes; the snapshot's views are made again when it came from PostgreSQL. DDL is
 * transactional here, so readers see the old database until the commit, and a failure or a killed
 * process leaves it as it was.
 */
final class PostgresRestore implements SnapshotRestore {
  static final PostgresRestore INSTANCE = new PostgresRestore();

  private static final Logger log = LoggerFactory.getLogger(PostgresRestore.class);

  private PostgresRestore() {}

  /** Copies one snapshot table into its new table; returns the rows stored. */
  @FunctionalInterface
  private interface Loader {
    long load(Catalog.TableInfo from, Table into, CopyManager copy) throws Exception;
  }

  @Override
  public void fromDataFile(
      Path sqliteData,
      String crc32c,
      Consumer<Path> verifier,
      Map<String, Long> expectedRows,
      Catalog catalog,
      Schema model,
      ConnectionConfig target,
      ProgressListener progress) {
    verifier.accept(sqliteData);
    Database source = Database.openReadOnly(ConnectionConfig.sqlite(sqliteData));
    Catalog inFile = Catalog.read(source);
    run(
        catalog,
        model,
        (from, into, copy) -> {
          Catalog.TableInfo stored = Restorer.storedTable(inFile, from);
          List<String> columns = into.columnNames();
          try (Connection src = source.connect();
              PreparedStatement read =
                  source
                      .dialect()
                      .prepareStreaming(
                          src, Restorer.selectAll(stored.name(), columns, source.dialect()));
              ResultSet rows = read.executeQuery()) {
            CopyIn in =
                copy.copyIn(CopyText.copyIn(into.name(), columns, PostgresDialect.INSTANCE));
            try {
              CopyText.Buffer b = new CopyText.Buffer(in);
              int n = columns.size();
              while (rows.next()) {
                for (int i = 0; i < n; i++) {
                  if (i > 0) {
                    b.put((byte) '\t');
                  }
                  b.value(rows.getObject(i + 1));
                }
                b.put((byte) '\n');
              }
              b.flush();
              return in.endCopy();
            } finally {
              if (in.isActive()) {
                in.cancelCopy();
              }
            }
          }
        },
        expectedRows,
        target,
        progress);
  }

  @Override
  public void fromTsv(
      List<TsvFile> files,
      Catalog catalog,
      Schema model,
      Map<String, Long> expectedRows,
      ConnectionConfig target,
      ProgressListener progress) {
    Map<String, TsvFile> byTable = new HashMap<>();
    files.forEach(f -> byTable.put(f.table().name(), f));
    run(
        catalog,
        model,
        (from, into, copy) -> {
          TsvFile f = byTable.get(from.name());
          if (f == null) {
            throw new SnapshotException(
                "the snapshot has no file of table " + from.name() + "; nothing was restored");
          }
          CrcInput in = new CrcInput(f);
          try {
            long n =
                copy.copyIn(
                    CopyText.copyIn(into.name(), into.columnNames(), PostgresDialect.INSTANCE), in);
            in.check();
            return n;
          } finally {
            in.release();
          }
        },
        expectedRows,
        target,
        progress);
  }

  private static void run(
      Catalog catalog,
      Schema model,
      Loader loader,
      Map<String, Long> expectedRows,
      ConnectionConfig target,
      ProgressListener progress) {
    Database db = Database.open(target, OpenMode.CREATE);
    PostgresDialect d = PostgresDialect.INSTANCE;
    boolean exact = catalog.restoresExactlyInto(d.engine());
    try (Connection to = db.connect()) {
      // Held until the end; a second restore waits for none and is refused.
      String lock = "expmgr-restore:" + db.config().storeIdentity();
      if (!d.tryNamedLock(to, lock)) {
        throw new ConflictException(
            "another restore into " + db.identity() + " is running; try again when it ends");
      }
      to.setAutoCommit(false);
      try {
        CopyManager copy = to.unwrap(PGConnection.class).getCopyAPI();
        Set<String> existing = db.existingTables(to);
        dropViews(to, catalog, exact);
        Map<String, Long> rows = new LinkedHashMap<>();
        long done = 0;
        for (Catalog.TableInfo t : catalog.tables()) {
          if (!Translate.carried(t, catalog.engine(), d.engine())) {
            continue;
          }
          Made made = make(t, catalog, model, exact);
          if (existing.contains(t.name().toUpperCase(Locale.ROOT))) {
            Dialect.execute(to, "DROP TABLE IF EXISTS " + d.quote(t.name()));
          }
          Dialect.execute(to, made.create().toArray(String[]::new));
          long n = loader.load(t, made.into(), copy);
          rows.put(t.name(), n);
          Dialect.execute(to, made.afterLoad().toArray(String[]::new));
          done += n;
          progress.onProgress(done, -1);
        }
        if (expectedRows != null) {
          Map<String, Long> expected = new LinkedHashMap<>(expectedRows);
          expected.keySet().retainAll(rows.keySet());
          Restorer.requireRows(expected, rows);
        }
        if (exact) {
          for (Catalog.SchemaObject o : catalog.objects()) {
            if (o.type().equals("view")) {
              Dialect.execute(to, o.sql());
            }
          }
        } else {
          Restorer.warnUntranslatedObjects(catalog, db);
        }
        to.commit();
        progress.onProgress(done, done);
        log.info("restored {} tables into {}", rows.size(), db.identity());
      } catch (Exception e) {
        to.rollback();
        throw e;
      } finally {
        // Released before the connection closes: the server frees a closed session's locks a
        // moment later, and a restore started at once must find it free.
        try {
          d.releaseNamedLock(to, lock);
        } catch (SQLException e) {
          log.debug("could not release {}; closing the connection releases it", lock);
        }
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (SQLException e) {
      throw new DataAccessException(
          "cannot restore into " + db.identity() + ": " + firstLine(e) + "; nothing was restored",
          e);
    } catch (Exception e) {
      throw new SnapshotException(
          "cannot restore into " + db.identity() + ": " + e.getMessage() + "; nothing was restored",
          e);
    }
  }

  /**
   * How one snapshot table is made again.
   *
   * @param create statements that make it, empty
   * @param into its columns in the order the snapshot holds them, for {@code COPY}
   * @param afterLoad statements that give it its indexes once filled
   */
  private record Made(List<String> create, Table into, List<String> afterLoad) {}

  private static Made make(Catalog.TableInfo t, Catalog catalog, Schema model, boolean exact) {
    PostgresDialect d = PostgresDialect.INSTANCE;
    if (exact) {
      return exactly(t);
    }
    if (FlywayHistory.is(t)) {
      // Flyway reads and writes its history with PostgreSQL's types (a BOOLEAN success, which
      // takes the 1 and 0 of the other engines too): the table it would have made itself, filled
      // with the snapshot's rows.
      return new Made(
          FlywayHistory.create(d, t.name()), namesOnly(t.name(), t.columnNames()), List.of());
    }
    Table tt = Translate.table(t, catalog.engine(), model);
    List<String> create = new ArrayList<>();
    create.add(Ddl.createTableOnly(tt, d, null, false));
    create.addAll(d.afterCreateTable(tt, Ddl.autoIdColumn(tt)));
    return new Made(create, tt, Ddl.createIndexes(tt, d));
  }

  /**
   * A table of a PostgreSQL snapshot as it was: its columns with their declared types, defaults and
   * identity, its primary key, then its indexes by their own definitions.
   */
  private static Made exactly(Catalog.TableInfo t) {
    PostgresDialect d = PostgresDialect.INSTANCE;
    String identity = null;
    if (t.primaryKey().size() == 1) {
      String key = t.primaryKey().get(0);
      Catalog.ColumnInfo kc = t.column(key).orElse(null);
      boolean serial =
          kc != null && kc.defaultSql() != null && kc.defaultSql().startsWith("nextval(");
      if (kc != null
          && (t.autoIncrement() || serial)
          && d.valueKind(kc.baseType()) == Dialect.ValueKind.INTEGER) {
        identity = kc.name();
      }
    }
    List<String> parts = new ArrayList<>();
    for (Catalog.ColumnInfo c : t.columns()) {
      boolean isIdentity = c.name().equals(identity);
      parts.add(
          d.quote(c.name())
              + " "
              + c.declaredType()
              + (isIdentity ? d.autoIncrement() : "")
              + (c.notNull() ? " NOT NULL" : "")
              + (!isIdentity && c.defaultSql() != null && !c.defaultSql().startsWith("nextval(")
                  ? " DEFAULT " + c.defaultSql()
                  : ""));
    }
    if (!t.primaryKey().isEmpty()) {
      parts.add("PRIMARY KEY (" + Ddl.quoteAll(t.primaryKey(), d) + ")");
    }
    List<String> create = new ArrayList<>();
    create.add("CREATE TABLE " + d.quote(t.name()) + " (" + String.join(", ", parts) + ")");
    if (identity != null) {
      create.addAll(d.idTrigger(t.name(), identity));
    }
    List<String> after = new ArrayList<>();
    for (Catalog.IndexInfo i : t.indexes()) {
      if (!i.origin().equals("pk") && i.sql() != null) {
        after.add(i.sql());
      }
    }
    return new Made(create, namesOnly(t.name(), t.columnNames()), after);
  }

  /** A table whose columns matter only by name (the columns a COPY names). */
  private static Table namesOnly(String name, List<String> columns) {
    return new Table(
        name,
        columns.stream().map(c -> new Column(c, ColumnType.TEXT, true)).toList(),
        List.of(),
        List.of(),
        List.of());
  }

  /** The snapshot's own views, dropped before the tables they read are made again. */
  private static void dropViews(Connection to, Catalog catalog, boolean exact) throws SQLException {
    if (!exact) {
      return;
    }
    for (Catalog.SchemaObject o : catalog.objects()) {
      if (o.type().equals("view")) {
        Dialect.execute(to, "DROP VIEW IF EXISTS " + PostgresDialect.INSTANCE.quote(o.name()));
      }
    }
  }

  private static String firstLine(SQLException e) {
    String m = String.valueOf(e.getMessage());
    return m.lines().findFirst().orElse(m);
  }
}
