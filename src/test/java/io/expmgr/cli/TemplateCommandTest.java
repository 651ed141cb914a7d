package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.migrate.TransformationRules;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateCommandTest {
  @TempDir Path dir;

  @Test
  void writesAValidTemplateAndWillNotOverwriteWithoutForce() throws Exception {
    Path file = dir.resolve("rules.json");
    CliRunner.Result r = CliRunner.run("create-transformation-template", "-o", file.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(TransformationRules.read(file).transformations()).hasSize(5);
    Files.writeString(file, "mine");
    CliRunner.Result again = CliRunner.run("create-transformation-template", "-o", file.toString());
    assertThat(again.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(again.err()).contains("already exists", "--force");
    assertThat(Files.readString(file)).isEqualTo("mine");
    CliRunner.Result forced =
        CliRunner.run("create-transformation-template", "-o", file.toString(), "--force");
    assertThat(forced.exitCode()).isZero();
    CliRunner.Result toStdout = CliRunner.run("create-transformation-template");
    assertThat(toStdout.out()).isEqualTo(Files.readString(file));
  }
}
