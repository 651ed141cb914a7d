package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConnectionException;
import io.expmgr.SchemaException;
import io.expmgr.api.DatabaseManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteContractTest extends DatabaseContractTest {
  @TempDir Path dir;

  @Override
  protected ConnectionConfig freshConfig() {
    return ConnectionConfig.sqlite(dir.resolve("experiments.db"));
  }

  @Override
  protected void dispose(ConnectionConfig config) {}

  @Test
  void aMissingFileIsAnErrorAndIsNotCreated() {
    Path missing = dir.resolve("nope.db");
    assertThatThrownBy(() -> DatabaseManager.sqlite(missing))
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining("does not exist")
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> Database.openReadOnly(ConnectionConfig.sqlite(missing)))
        .isInstanceOf(ConnectionException.class);
    assertThat(missing).doesNotExist();
  }

  @Test
  void aFileThatIsNotSqliteIsNamedAsSuch() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.db"), "these are my notes, not a database\n");
    assertThatThrownBy(() -> DatabaseManager.sqlite(text))
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining("is not a SQLite database");
    assertThat(Files.readString(text)).isEqualTo("these are my notes, not a database\n");
  }

  @Test
  void aDirectoryIsNotADatabase() {
    assertThatThrownBy(() -> DatabaseManager.sqlite(dir))
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining("is a directory");
  }

  @Test
  void aSqliteDatabaseOfAnotherApplicationSaysWhatIsMissing() throws Exception {
    Path other = dir.resolve("other.db");
    Database raw = Database.open(ConnectionConfig.sqlite(other), OpenMode.CREATE);
    raw.withConnection(
        c -> {
          Dialect.execute(c, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
          return null;
        });
    assertThatThrownBy(() -> DatabaseManager.sqlite(other))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("none of the experiment tables");
  }

  @Test
  void aTableMissingAColumnIsNamed() {
    db.close();
    db = null;
    Database raw = Database.open(config, OpenMode.EXISTING);
    raw.withConnection(
        c -> {
          Dialect.execute(c, "ALTER TABLE TRIAL DROP COLUMN update_time");
          return null;
        });
    assertThatThrownBy(() -> DatabaseManager.open(config))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("missing columns: TRIAL.update_time");
  }

  @Test
  void timesAreStoredAsSortableTextThatOtherToolsRead() {
    long exp =
        db.createExperiment(
            "t", null, java.time.LocalDateTime.of(2024, 3, 4, 5, 6, 7, 8_000), null);
    assertThat(
            db.query("SELECT start_time FROM EXPERIMENT WHERE id = ?", exp)
                .get(0)
                .get("start_time"))
        .isEqualTo("2024-03-04 05:06:07.000008");
    // Rows written by other tools: ISO 'T', no fraction, or epoch milliseconds.
    db.update("UPDATE EXPERIMENT SET start_time = ? WHERE id = ?", "2024-03-04T05:06:07", exp);
    assertThat(db.getExperiment(exp).orElseThrow().startTime())
        .isEqualTo(java.time.LocalDateTime.of(2024, 3, 4, 5, 6, 7));
    db.update("UPDATE EXPERIMENT SET start_time = ? WHERE id = ?", 0L, exp);
    assertThat(db.getExperiment(exp).orElseThrow().startTime())
        .isEqualTo(java.time.LocalDateTime.of(1970, 1, 1, 0, 0));
  }

  @Test
  void aReadOnlyHandleCannotWrite() {
    Database ro = Database.openReadOnly(config);
    assertThat(ro.isReadOnly()).isTrue();
    assertThatThrownBy(
            () ->
                ro.withConnection(
                    c -> {
                      Dialect.execute(c, "DELETE FROM EXPERIMENT");
                      return null;
                    }))
        .hasMessageContaining("readonly");
  }
}
