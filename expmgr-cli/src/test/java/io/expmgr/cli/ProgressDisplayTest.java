package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Progress fits the terminal, keeps its units and counts whole, and logs when asked to. */
class ProgressDisplayTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(ints = {200, 120, 80, 60, 50, 40})
  void aLineFitsItsWidthAndKeepsCountsAndUnitWhole(int cols) {
    String line =
        ProgressDisplay.render(
            "safety snapshot: copying the tables",
            1_234_567,
            13_000_000,
            "rows",
            310_000,
            40,
            cols);
    assertThat(line.length()).isLessThan(cols);
    assertThat(line).contains("1,234,567/13,000,000 rows");
    String bar = line.substring(line.indexOf('[') + 1, line.indexOf(']'));
    assertThat(bar.length()).isBetween(cols >= 60 ? 10 : 3, 40);
    if (cols >= 120) {
      assertThat(line).contains("310,000 rows/s").contains("ETA 40s").contains("  9%");
    }
  }

  @Test
  void theRateAndTimeLeftGiveWayBeforeTheBarDoes() {
    String wide = ProgressDisplay.render("validate", 2, 4, "checks", 1.5, 2, 120);
    assertThat(wide).contains("checks/s").contains("ETA");
    String narrow =
        ProgressDisplay.render("export", 999_999_999, 1_999_999_999, "rows", 9_999_999, 99, 60);
    assertThat(narrow.length()).isLessThan(60);
    assertThat(narrow).contains("999,999,999/1,999,999,999 rows").doesNotContain("ETA");
    assertThat(narrow).contains("[=");
  }

  @Test
  void withoutATotalTheBarShowsMovementAndTheCount() {
    String line = ProgressDisplay.render("copying the tables", 5000, -1, "rows", 0, -1, 80);
    assertThat(line).contains("<=>").contains("5,000 rows").doesNotContain("%");
    assertThat(line.length()).isLessThan(80);
  }

  private static String stderrOf(Runnable run) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      run.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void validateLogsItsChecksOrDrawsABarThatFitsOrStaysQuiet() {
    Path db = dir.resolve("p.db");
    assertThat(CliRunner.run("generate", "-d", db.toString(), "--experiments", "1").exitCode())
        .isZero();
    String log =
        stderrOf(() -> CliRunner.run("validate", "-d", db.toString(), "--progress", "log"));
    assertThat(log).containsPattern("\\d\\d:\\d\\d:\\d\\d checking sqlite:.*p\\.db\\.\\.\\.");
    assertThat(log).containsPattern("checking .*: 4/4 checks in \\d+\\.\\d s");

    String bar =
        stderrOf(() -> CliRunner.run("validate", "-d", db.toString(), "--progress", "bar"));
    assertThat(bar).contains("4/4 checks");
    for (String drawn : bar.split("[\r\n]")) {
      assertThat(drawn.length()).as(drawn).isLessThan(80);
    }
    // Progress is for people: none beside JSON, with --quiet, or by default off a terminal.
    assertThat(
            stderrOf(
                () ->
                    CliRunner.run("validate", "-d", db.toString(), "--json", "--progress", "bar")))
        .isEmpty();
    assertThat(stderrOf(() -> CliRunner.run("validate", "-d", db.toString(), "-q"))).isEmpty();
    assertThat(stderrOf(() -> CliRunner.run("validate", "-d", db.toString()))).isEmpty();
  }

  @Test
  void aSnapshotAndItsVerificationSayWhatTheyCountInMiB() {
    Path db = dir.resolve("s.db");
    assertThat(CliRunner.run("generate", "-d", db.toString(), "--experiments", "1").exitCode())
        .isZero();
    Path snaps = dir.resolve("snaps");
    String made =
        stderrOf(
            () ->
                CliRunner.run(
                    "create-snapshot",
                    "-d",
                    db.toString(),
                    "--snapshot-dir",
                    snaps.toString(),
                    "--progress",
                    "log"));
    assertThat(made).contains("copying the database file: ").contains(" MiB in ");
    String verified =
        stderrOf(
            () ->
                CliRunner.run(
                    "verify-snapshot",
                    "-d",
                    db.toString(),
                    "--snapshot-dir",
                    snaps.toString(),
                    "--all",
                    "--progress",
                    "log"));
    assertThat(verified).contains("SHA-256 and integrity").contains(" MiB in ");
  }

  @Test
  void safetySnapshotsImportVerificationAndUpgradesReportTheirSteps() {
    Path db = dir.resolve("i.db");
    assertThat(CliRunner.run("generate", "-d", db.toString(), "--experiments", "2").exitCode())
        .isZero();
    Path export = dir.resolve("e.json");
    assertThat(
            CliRunner.run(
                    "export-experiment", "-d", db.toString(), "-e", "1", "-o", export.toString())
                .exitCode())
        .isZero();
    Path snaps = dir.resolve("snaps");
    String imported =
        stderrOf(
            () ->
                CliRunner.run(
                    "import-experiment",
                    "-d",
                    db.toString(),
                    "-i",
                    export.toString(),
                    "--allow-duplicate",
                    "--snapshot-dir",
                    snaps.toString(),
                    "--progress",
                    "log"));
    assertThat(imported)
        .contains("safety snapshot: copying the database file: ")
        .contains("importing " + export)
        .contains("verifying counts and checksum");
    String upgraded =
        stderrOf(
            () ->
                CliRunner.run(
                    "schema",
                    "upgrade",
                    "-d",
                    db.toString(),
                    "--snapshot-dir",
                    snaps.toString(),
                    "--progress",
                    "log"));
    assertThat(upgraded)
        .contains("snapshot: copying the database file: ")
        .contains("trial copy: restoring");
  }

  @Test
  void aWrongModeIsRefusedInOneLine() {
    CliRunner.Result r = CliRunner.run("validate", "-d", "x.db", "--progress", "fancy");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--progress").contains("fancy");
  }
}
