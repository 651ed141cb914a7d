package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command an error suggests runs as shown: it carries the database it is about. */
class SuggestionsTest {
  @TempDir Path dir;

  @Test
  void theSuggestedUpgradeRunsAsShownAndThenTheCommandWorks() throws Exception {
    Path db = dir.resolve("old schema.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        ProgressListener.NONE);
    Path rules = dir.resolve("meta.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":"
            + "\"add_metadata\",\"rules\":{\"metadata\":{\"unit\":\"nats\"}}}]}");
    String[] transform = {
      "transform-metrics",
      "-d",
      db.toString(),
      "--transformation-file",
      rules.toString(),
      "--snapshot-dir",
      dir.resolve("snaps").toString()
    };
    CliRunner.Result refused = CliRunner.run(transform);
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.SCHEMA);
    Matcher m = Pattern.compile("'expmgr ([^']*)'").matcher(refused.err());
    assertThat(m.find()).as(refused.err()).isTrue();
    String suggested = m.group(1);
    assertThat(suggested).contains("-d \"" + db + "\"").contains("--snapshot-dir");

    CliRunner.Result upgraded = CliRunner.run(split(suggested));
    assertThat(upgraded.exitCode()).as(upgraded.out() + upgraded.err()).isZero();
    assertThat(CliRunner.run(transform).exitCode()).isZero();
  }

  /** Splits as a shell would the words of a suggestion (double quotes group). */
  private static String[] split(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
    while (m.find()) {
      out.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return out.toArray(String[]::new);
  }
}
