package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** schema status and schema upgrade as a user runs them. */
class SchemaCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path generated() {
    Path db = dir.resolve("experiment.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(1, 2, 2, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    return db;
  }

  @Test
  void statusTellsTheTruthBeforeAndAfterAnUpgrade() throws Exception {
    Path db = generated();
    CliRunner.Result s = CliRunner.run("schema", "status", "-d", db.toString());
    assertThat(s.exitCode()).as(s.err()).isZero();
    assertThat(s.out())
        .contains("Version:   1.0", "2.0: add column METRIC.metadata", "match the model");

    Path snaps = dir.resolve("snaps");
    CliRunner.Result dry =
        CliRunner.run("schema", "upgrade", "-d", db.toString(), "--dry-run", "--to", "2.0");
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("ALTER TABLE \"METRIC\" ADD COLUMN", "Nothing was changed");

    CliRunner.Result up =
        CliRunner.run("schema", "upgrade", "-d", db.toString(), "--snapshot-dir", snaps.toString());
    assertThat(up.exitCode()).as(up.err()).isZero();
    assertThat(up.out()).contains("1/5 snapshot", "3/5", "Upgraded", "from 1.0 to 2.1");

    JsonNode st =
        JSON.readTree(CliRunner.run("schema", "status", "-d", db.toString(), "--json").out());
    assertThat(st.path("version").asText()).isEqualTo("2.1");
    assertThat(st.path("recorded").asBoolean()).isTrue();
    assertThat(st.path("matches_model").asBoolean()).isTrue();
    assertThat(st.path("pending").size()).isZero();

    CliRunner.Result down =
        CliRunner.run(
            "schema",
            "upgrade",
            "-d",
            db.toString(),
            "--to",
            "1.0",
            "--snapshot-dir",
            snaps.toString());
    assertThat(down.exitCode()).isEqualTo(ExitCodes.SCHEMA);
    assertThat(down.err())
        .contains("downgrades are not supported", "restore-snapshot --snapshot-id");
  }

  @Test
  void badInputIsRefusedWithOneLine() {
    Path db = generated();
    CliRunner.Result noSub = CliRunner.run("schema");
    assertThat(noSub.exitCode()).isEqualTo(ExitCodes.USAGE);
    CliRunner.Result badTo =
        CliRunner.run("schema", "upgrade", "-d", db.toString(), "--to", "2.5", "--dry-run");
    assertThat(badTo.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(badTo.err()).contains("--to 2.5 is not a schema version");
    CliRunner.Result missing =
        CliRunner.run("schema", "status", "-d", dir.resolve("nope.db").toString());
    assertThat(missing.exitCode()).isEqualTo(ExitCodes.CONNECTION);
  }
}
