package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ProgressListener;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.schema.SchemaMigrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two-thread copy: every row once, and a failure on either side ends both threads. */
class TableCopierTest {
  @TempDir Path dir;

  private Database source() {
    ConnectionConfig c = ConnectionConfig.sqlite(dir.resolve("source.db"));
    DataGenerator.generate(
        c, new GenerateOptions(2, 3, 3, 150, 3, 3, 1, 7, 0, 0, 0), false, ProgressListener.NONE);
    return Database.open(c, OpenMode.EXISTING);
  }

  private Database emptyTarget(String name) {
    Database t = Database.open(ConnectionConfig.sqlite(dir.resolve(name)), OpenMode.CREATE);
    SchemaMigrator.migrate(t, "1.0");
    return t;
  }

  private static Map<String, Long> copy(Database from, Database to) throws SQLException {
    try (Connection f = from.connect();
        Connection t = to.connect()) {
      t.setAutoCommit(false);
      Map<String, Long> n =
          TableCopier.copy(f, from.dialect(), t, to.dialect(), Schema.v1(), ProgressListener.NONE);
      t.commit();
      return n;
    }
  }

  private static boolean readerAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("expmgr-copy-reader") && t.isAlive());
  }

  @Test
  void copiesEveryRowOnceAndCountsThem() throws SQLException {
    Database from = source();
    Database to = emptyTarget("copy.db");
    Map<String, Long> copied = copy(from, to);
    assertThat(copied).isEqualTo(from.countRows(Schema.v1()));
    assertThat(to.countRows(Schema.v1())).isEqualTo(copied);
    assertThat(copied.get("METRIC")).isGreaterThan(2_000 * 3);
  }

  @Test
  void aFailingReaderFailsTheCopyAndEnds() throws SQLException {
    Database from = source();
    try (Connection c = from.connect()) {
      // The last table is missing: the reader fails after streaming all the others.
      Dialect.execute(c, "DROP TABLE EPOCH_ARTIFACT");
    }
    assertThatThrownBy(() -> copy(from, emptyTarget("copy.db")))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("EPOCH_ARTIFACT");
    assertThat(readerAlive()).isFalse();
  }

  @Test
  void aFailingWriterStopsTheReader() throws SQLException {
    Database from = source();
    Database to = emptyTarget("copy.db");
    try (Connection c = to.connect()) {
      Dialect.execute(c, "DROP TABLE EPOCH_METRIC");
    }
    assertThatThrownBy(() -> copy(from, to))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("EPOCH_METRIC");
    // The reader was stopped, not left streaming the rest of the tables.
    assertThat(readerAlive()).isFalse();
  }
}
