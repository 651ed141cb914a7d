package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The docs cannot drift from the command line: every command in them parses, the pages match. */
class DocsTest {
  private static final List<Path> DOCS =
      List.of(
          Path.of("README.md"),
          Path.of("docs/guide.md"),
          Path.of("docs/faq.md"),
          Path.of("CONTRIBUTING.md"));

  /** Commands of the shell blocks of a markdown file, continuation lines joined. */
  static List<String> commands(String markdown) {
    List<String> out = new ArrayList<>();
    Matcher block = Pattern.compile("(?s)```(?:bash|sh)\\n(.*?)```").matcher(markdown);
    while (block.find()) {
      out.addAll(HelpModelTest.joined(List.of(block.group(1).split("\n")), "./"));
    }
    return out;
  }

  @Test
  void everyCommandInTheDocsParsesAgainstTheCommandModel() throws Exception {
    int n = 0;
    for (Path doc : DOCS) {
      for (String command : commands(Files.readString(doc))) {
        List<String> args = HelpModelTest.words(command.replaceAll("\\$\\([^)]*\\)", "X"));
        args.remove(0);
        InputStream in = System.in;
        try {
          System.setIn(new ByteArrayInputStream("pw\n".getBytes()));
          Main.commandLine().parseArgs(args.toArray(String[]::new));
        } catch (picocli.CommandLine.ParameterException e) {
          throw new AssertionError(doc + ": " + command + ": " + e.getMessage(), e);
        } finally {
          System.setIn(in);
        }
        n++;
      }
    }
    assertThat(n).isGreaterThan(30);
  }

  @Test
  void theCommandPagesAreThoseTheModelMakes() throws Exception {
    Map<String, String> files = DistFiles.all();
    int pages = 0;
    for (var f : files.entrySet()) {
      if (!f.getKey().startsWith("commands/")) {
        continue;
      }
      Path page = Path.of("docs").resolve(f.getKey());
      assertThat(page)
          .as("docs/%s is missing or stale: see CONTRIBUTING.md to make it again", f.getKey())
          .exists();
      assertThat(Files.readString(page))
          .as("docs/%s is stale: see CONTRIBUTING.md to make it again", f.getKey())
          .isEqualTo(f.getValue());
      pages++;
    }
    try (var listing = Files.list(Path.of("docs/commands"))) {
      assertThat(listing.count()).as("pages of commands that no longer exist").isEqualTo(pages);
    }
    assertThat(files.get("man/man1/expmgr-prune-snapshots.1"))
        .startsWith(".TH \"EXPMGR-PRUNE-SNAPSHOTS\" \"1\"")
        .contains(".SH OPTIONS")
        .contains("\\-\\-policy")
        .contains(".SH EXIT CODES");
  }
}
