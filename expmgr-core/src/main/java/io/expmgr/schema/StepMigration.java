package io.expmgr.schema;

import io.expmgr.db.Dialect;
import io.expmgr.db.Engine;
import io.expmgr.db.Schema;
import java.sql.Connection;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Flyway migration that applies the {@link VersionStep} between two model versions. */
abstract class StepMigration extends BaseJavaMigration {
  private static final Logger log = LoggerFactory.getLogger(StepMigration.class);

  private final VersionStep step;

  StepMigration(String from, String to) {
    this.step =
        new VersionStep(Schema.forVersion(from).orElseThrow(), Schema.forVersion(to).orElseThrow());
  }

  VersionStep step() {
    return step;
  }

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    String product = c.getMetaData().getDatabaseProductName().toLowerCase();
    Dialect dialect = Engine.forProductName(product).dialect();
    try (Statement st = c.createStatement()) {
      for (String sql : step.statements(c, dialect)) {
        log.info("schema {}: {}", step.to().version(), sql);
        st.execute(sql);
        SchemaMigrator.faultPoint(step.to().version(), sql);
      }
    }
    // The tracker reads its version from its own table: the step is recorded there too.
    String version = step.to().version();
    io.expmgr.db.TrackerVersions.record(
        c,
        dialect,
        version,
        io.expmgr.db.TrackerVersions.migrationName(
            version, getClass().getSimpleName().replaceFirst("^V[0-9_]+__", "")),
        "expmgr schema " + version + ": " + String.join("; ", step.describe()),
        String.join(";\n", step.rollback(dialect)) + ";");
  }
}
