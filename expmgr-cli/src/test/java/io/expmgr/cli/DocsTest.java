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
  /** The repository root: the tests run in the command line module's folder. */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final List<Path> DOCS =
      List.of(
          ROOT.resolve("README.md"),
          ROOT.resolve("docs/guide.md"),
          ROOT.resolve("docs/faq.md"),
          ROOT.resolve("CONTRIBUTING.md"));

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
      Path page = ROOT.resolve("docs").resolve(f.getKey());
      assertThat(page)
          .as("docs/%s is missing or stale: see CONTRIBUTING.md to make it again", f.getKey())
          .exists();
      assertThat(Files.readString(page))
          .as("docs/%s is stale: see CONTRIBUTING.md to make it again", f.getKey())
          .isEqualTo(f.getValue());
      pages++;
    }
    try (var listing = Files.list(ROOT.resolve("docs/commands"))) {
      assertThat(listing.count()).as("pages of commands that no longer exist").isEqualTo(pages);
    }
    assertThat(files.get("man/man1/expmgr-prune-snapshots.1"))
        .startsWith(".TH \"EXPMGR-PRUNE-SNAPSHOTS\" \"1\"")
        .contains(".SH OPTIONS")
        .contains("\\-\\-policy")
        .contains(".SH EXIT CODES");
  }

  /**
   * The guide's Java snippets compile as shown, with the imports it lists: each snippet becomes a
   * method body with the variables the prose gives it.
   */
  @Test
  void theGuidesJavaSnippetsCompileWithTheImportsItShows() throws Exception {
    String guide = Files.readString(ROOT.resolve("docs/guide.md"));
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("(?s)```java\\n(.*?)```").matcher(guide);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    String imports =
        blocks.stream()
            .filter(b -> b.strip().startsWith("import "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the guide lists no imports"));
    StringBuilder src = new StringBuilder("package snippets;\n").append(imports);
    src.append("class GuideSnippets {\n")
        .append("  static class CustomValidator extends io.expmgr.validate.DataValidator {\n")
        .append("    CustomValidator(DatabaseManager db) { super(db); }\n  }\n");
    int n = 0;
    for (String b : blocks) {
      if (b.strip().startsWith("import ")) {
        continue;
      }
      // The variables the prose gives a snippet, unless it declares them itself.
      List<String> params = new ArrayList<>();
      for (String p :
          List.of(
              "DatabaseManager db",
              "DataMigrationManager migrator",
              "DatabaseManager targetDb",
              "DatabaseManager otherDb",
              "boolean stopping")) {
        if (!Pattern.compile("\\b" + p.replace(" ", "\\s+") + "\\s*=").matcher(b).find()) {
          params.add(p);
        }
      }
      src.append("  void snippet")
          .append(n++)
          .append("(")
          .append(String.join(", ", params))
          .append(") throws Exception {\n")
          .append(b)
          .append("\n  }\n");
    }
    src.append("}\n");
    assertThat(n).isGreaterThanOrEqualTo(4);
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    Path out = Files.createTempDirectory("snippets");
    Path file = Files.createDirectories(out.resolve("snippets")).resolve("GuideSnippets.java");
    Files.writeString(file, src);
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    int rc =
        javac.run(
            null,
            null,
            errors,
            "-proc:none",
            "-d",
            out.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            file.toString());
    assertThat(rc).as(errors.toString()).isZero();
  }
}
