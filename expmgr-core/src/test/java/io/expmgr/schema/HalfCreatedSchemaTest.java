package io.expmgr.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ProgressListener;
import io.expmgr.SchemaException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.OpenMode;
import io.expmgr.db.Schema;
import io.expmgr.db.SchemaCheck;
import io.expmgr.db.Table;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.support.MariaDbServer;
import io.expmgr.support.TestDatabases;
import io.expmgr.transfer.ImportTarget;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On MySQL each CREATE TABLE commits on its own: a run killed while it creates the schema leaves
 * some tables. The next run finishes them; a database with rows is never taken for one.
 */
class HalfCreatedSchemaTest {
  private final List<ConnectionConfig> made = new ArrayList<>();

  @AfterEach
  void dispose() {
    made.forEach(TestDatabases::dispose);
  }

  /** What a run killed after its fifth CREATE leaves: whole tables and one without its index. */
  private ConnectionConfig halfCreated() {
    ConnectionConfig c = MariaDbServer.get().newDatabase("half");
    made.add(c);
    Database db = Database.open(c, OpenMode.EXISTING);
    db.withConnection(
        x -> {
          int statements = 0;
          for (Table t : Schema.v1().tables()) {
            for (String sql : Ddl.createTable(t, db.dialect())) {
              if (statements++ < 5) {
                Dialect.execute(x, sql);
              }
            }
          }
          return null;
        });
    assertThat(SchemaMigrator.isHalfCreated(db)).isTrue();
    return c;
  }

  @Test
  void theNextImportOrGenerateFinishesTheTablesAndAFilledDatabaseIsNotTakenForOne() {
    ConnectionConfig forImport = halfCreated();
    ImportTarget target = ImportTarget.open(forImport);
    Database db = target.database();
    assertThat(SchemaCheck.gaps(db, Schema.current()).isComplete()).isTrue();
    assertThat(SchemaMigrator.recordedVersion(db)).contains(Schema.current().version());

    ConnectionConfig forGenerate = halfCreated();
    DataGenerator.generate(
        forGenerate,
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    Database g = Database.open(forGenerate, OpenMode.EXISTING);
    assertThat(TestDatabases.scalar(g, "SELECT count(*) FROM EXPERIMENT")).isEqualTo(1);

    ConnectionConfig filled = halfCreated();
    Database f = Database.open(filled, OpenMode.EXISTING);
    f.withConnection(
        x -> {
          Dialect.execute(
              x,
              "INSERT INTO EXPERIMENT (title, `desc`, start_time, update_time) VALUES ('mine', NULL,"
                  + " NOW(), NOW())");
          return null;
        });
    assertThat(SchemaMigrator.isHalfCreated(f)).isFalse();
    assertThatThrownBy(() -> ImportTarget.open(filled)).isInstanceOf(SchemaException.class);
    assertThat(TestDatabases.scalar(f, "SELECT count(*) FROM EXPERIMENT")).isEqualTo(1);
  }
}
