package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.migrate.TransformationRules;
import io.expmgr.support.TrackerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateCommandTest {
  @TempDir Path dir;

  @Test
  void writesAValidTemplateAndWillNotOverwriteWithoutOverwrite() throws Exception {
    Path file = dir.resolve("rules.json");
    CliRunner.Result r =
        CliRunner.run(
            "create-transformation-template", "-o", file.toString(), "--schema-version", "2.1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(TransformationRules.read(file).transformations()).hasSize(5);
    Files.writeString(file, "mine");
    CliRunner.Result again = CliRunner.run("create-transformation-template", "-o", file.toString());
    assertThat(again.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(again.err()).contains("already exists", "--overwrite");
    assertThat(Files.readString(file)).isEqualTo("mine");
    CliRunner.Result forced =
        CliRunner.run(
            "create-transformation-template",
            "-o",
            file.toString(),
            "--schema-version",
            "2.1",
            "--overwrite");
    assertThat(forced.exitCode()).isZero();
    CliRunner.Result toStdout =
        CliRunner.run("create-transformation-template", "--schema-version", "2.1");
    assertThat(toStdout.out()).isEqualTo(Files.readString(file));
    CliRunner.Result badVersion =
        CliRunner.run("create-transformation-template", "--schema-version", "3.0");
    assertThat(badVersion.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
  }

  @Test
  void theTemplateForASchema10DatabaseRunsOnIt() throws Exception {
    Path db = TrackerFixtures.copy(TrackerFixtures.API_1_0, dir);
    Path rules = dir.resolve("rules-1.0.json");
    CliRunner.Result r =
        CliRunner.run(
            "create-transformation-template", "-d", db.toString(), "-o", rules.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("for schema 1.0");
    assertThat(TransformationRules.read(rules).transformations()).hasSize(4);
    assertThat(TransformationRules.read(rules).needsMetadataColumn()).isFalse();
    CliRunner.Result dry =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            rules.toString(),
            "--dry-run");
    assertThat(dry.exitCode()).as(dry.err()).isIn(ExitCodes.OK, ExitCodes.VALIDATION_FAILED);
    // Written for 2.1, the same file would not run there: that is what the version is for.
    Path later = dir.resolve("rules-2.1.json");
    CliRunner.run(
        "create-transformation-template", "--schema-version", "2.1", "-o", later.toString());
    CliRunner.Result wrong =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db.toString(),
            "--transformation-file",
            later.toString(),
            "--dry-run");
    assertThat(wrong.exitCode()).isEqualTo(ExitCodes.SCHEMA);
    // Without a database or a version it is valid on every version.
    assertThat(
            TransformationRules.parse(
                    CliRunner.run("create-transformation-template").out(), "default")
                .needsMetadataColumn())
        .isFalse();
  }
}
