package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Walks the command model and holds every help screen to the rules of a readable command line. */
class HelpModelTest {
  private static List<CommandLine> all(CommandLine cl) {
    List<CommandLine> out = new ArrayList<>();
    out.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getParent() == cl) {
        out.addAll(all(sub));
      }
    }
    return out;
  }

  private static Set<Integer> knownExitCodes() throws Exception {
    Set<Integer> codes = new TreeSet<>();
    for (Field f : ExitCodes.class.getFields()) {
      if (f.getType() == int.class) {
        codes.add(f.getInt(null));
      }
    }
    return codes;
  }

  private static String usage(CommandLine cl, int width) {
    StringWriter w = new StringWriter();
    cl.getCommandSpec().usageMessage().autoWidth(false).width(width);
    cl.usage(new PrintWriter(w));
    return w.toString();
  }

  /** Example commands of a footer, continuation lines joined. */
  static List<String> examples(String[] footer) {
    return joined(java.util.Arrays.asList(footer), "");
  }

  /**
   * The lines that start an expmgr command (after {@code prefix}, such as "./"), each with its
   * continuation lines ({@code \\} at the end) joined and a trailing comment removed.
   */
  static List<String> joined(List<String> lines, String prefix) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = null;
    Pattern start = Pattern.compile("^(?:" + Pattern.quote(prefix) + ")?expmgr( .*)?$");
    for (String raw : lines) {
      String line = raw.strip().replace("%%", "%");
      if (cur != null) {
        cur.append(' ').append(line.replaceFirst("\\\\$", "").strip());
        if (!line.endsWith("\\")) {
          out.add(cur.toString());
          cur = null;
        }
        continue;
      }
      Matcher m = start.matcher(line);
      if (m.find()) {
        String rest = (m.group(1) == null ? "" : m.group(1)).replaceFirst("\\s+#.*$", "");
        if (rest.endsWith("\\")) {
          cur = new StringBuilder("expmgr" + rest.substring(0, rest.length() - 1).stripTrailing());
        } else {
          out.add("expmgr" + rest);
        }
      }
    }
    return out;
  }

  /** Splits like a shell for the examples: spaces, and double quotes keep a value whole. */
  static List<String> words(String command) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(command);
    while (m.find()) {
      String w = m.group(1) != null ? m.group(1) : m.group(2);
      if (m.group(1) == null && Set.of(">", ">>", "<", "|", "&&", ";", "2>").contains(w)) {
        break; // the shell's part
      }
      out.add(w);
    }
    return out;
  }

  @Test
  void everyCommandHasASummaryExamplesAndExitCodesAndFitsEightyColumns() throws Exception {
    Set<Integer> known = knownExitCodes();
    int examplesRun = 0;
    for (CommandLine cl : all(Main.commandLine())) {
      CommandSpec spec = cl.getCommandSpec();
      String name = spec.qualifiedName();
      String[] header = spec.usageMessage().header();
      assertThat(header).as(name + " summary").hasSize(1);
      assertThat(header[0]).as(name).endsWith(".").hasSizeLessThan(100);
      for (String p : spec.usageMessage().description()) {
        if (!p.isEmpty()) {
          assertThat(p).as(name + " description paragraph").matches("(?s).*[.:)]$");
        }
      }
      String[] footer = spec.usageMessage().footer();
      String text = String.join("\n", footer);
      assertThat(text).as(name).contains("Examples:").contains("Exit codes:");
      Matcher codes =
          Pattern.compile("(?m)^  (\\d+) ").matcher(text.substring(text.indexOf("Exit codes:")));
      boolean any = false;
      while (codes.find()) {
        assertThat(known).as(name + " exit code").contains(Integer.parseInt(codes.group(1)));
        any = true;
      }
      assertThat(any || text.contains("see the subcommands")).as(name + " exit codes").isTrue();
      // Every example parses against the command model as it is.
      for (String example : examples(footer)) {
        List<String> args = words(example);
        args.remove(0);
        CommandLine fresh = Main.commandLine();
        java.io.InputStream in = System.in;
        try {
          // An example with --password and no value would ask for it.
          System.setIn(new java.io.ByteArrayInputStream("pw\n".getBytes()));
          fresh.parseArgs(args.toArray(String[]::new));
        } finally {
          System.setIn(in);
        }
        examplesRun++;
      }
      if (cl.getParent() != null) {
        assertThat(spec.findOption("--version")).as(name + " has no --version").isNull();
      }
      for (OptionSpec o : spec.options()) {
        if (o.type().isEnum()) {
          assertThat(o.completionCandidates()).as(name + " " + o.longestName()).isNotNull();
        }
      }
      String help = usage(cl, 80);
      for (String line : help.lines().toList()) {
        assertThat(line.length()).as(name + ": " + line).isLessThanOrEqualTo(80);
      }
      assertThat(help).doesNotContain(" 1 checks");
    }
    assertThat(examplesRun).isGreaterThan(40);
    assertThat(Main.commandLine().getCommandSpec().findOption("--version")).isNotNull();
  }

  @Test
  void helpReachesNestedCommandsAndOldSpellingsStillParse() {
    CliRunner.Result nested = CliRunner.run("help", "schema", "upgrade");
    assertThat(nested.exitCode()).isZero();
    assertThat(nested.out()).contains("Usage: expmgr schema upgrade").contains("--to-version");
    CliRunner.Result wrong = CliRunner.run("help", "schema", "upgrad");
    assertThat(wrong.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(wrong.err()).contains("unknown command 'schema upgrad'");
    // The FAQ's and earlier spellings are hidden but still work.
    for (String[] args :
        new String[][] {
          {"transform-metrics", "-d", "x.db", "--experiment-ids", "1,2", "--report", "r.json"},
          {"migrate-experiment", "-d", "x.db", "-s", "1", "--report", "r.json"},
          {"migrate-experiment", "-d", "x.db", "--source-experiment", "1"},
          {"schema", "upgrade", "-d", "x.db", "--to", "2.0"},
          {"create-transformation-template", "-o", "r.json", "--force"},
        }) {
      Main.commandLine().parseArgs(args);
    }
    String transformHelp = CliRunner.run("transform-metrics", "--help").out();
    assertThat(transformHelp)
        .contains("--experiment-id")
        .doesNotContain("--experiment-ids")
        // --report FILE.html (or JSON by any other name) is shown again: the HTML report's option.
        .contains("--report");
  }

  @Test
  void completionScriptsComeFromTheModel() {
    CliRunner.Result bash = CliRunner.run("completion", "bash");
    assertThat(bash.exitCode()).isZero();
    assertThat(bash.out())
        .contains("prune-snapshots")
        .contains("verify_identity")
        .contains("--keep-within-daily");
    CliRunner.Result zsh = CliRunner.run("completion", "zsh");
    assertThat(zsh.out()).startsWith("autoload -U +X compinit");
    assertThat(CliRunner.run("completion", "fish").exitCode()).isEqualTo(ExitCodes.USAGE);
  }
}
