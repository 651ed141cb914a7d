package io.expmgr.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What every help screen shows beside the options: a one-line summary, the description as
 * paragraphs that wrap to the terminal, and a footer with examples and exit codes, read from {@code
 * help/<command>.txt} (its first line is the summary). The same text feeds the command pages in
 * {@code docs/}.
 */
final class HelpText {
  private HelpText() {}

  /** The resource name of a command's help: its qualified name with dashes. */
  static String resource(CommandSpec spec) {
    String name = spec.qualifiedName("-");
    return "help/"
        + (name.startsWith("expmgr-") ? name.substring("expmgr-".length()) : name)
        + ".txt";
  }

  /** The summary and the footer of a command, or null when it has no help file. */
  static String[] read(CommandSpec spec) {
    try (InputStream in = HelpText.class.getResourceAsStream(resource(spec))) {
      if (in == null) {
        return null;
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      return new String[] {text.substring(0, nl).strip(), text.substring(nl + 1).stripTrailing()};
    } catch (IOException e) {
      return null;
    }
  }

  /** Applies the help files and the layout rules to a command and its subcommands. */
  static void apply(CommandLine cl) {
    apply(cl, true);
  }

  private static void apply(CommandLine cl, boolean top) {
    CommandSpec spec = cl.getCommandSpec();
    if (spec.userObject() instanceof CommandLine.HelpCommand) {
      return;
    }
    var usage = spec.usageMessage();
    usage.autoWidth(true);
    usage.description(paragraphs(usage.description()));
    String[] help = read(spec);
    if (help != null) {
      usage.header(help[0]);
      usage.footerHeading("%n");
      usage.footer(help[1].replace("%", "%%").split("\n", -1));
    }
    if (!top) {
      OptionSpec version = spec.findOption("--version");
      if (version != null) {
        spec.remove(version);
      }
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getParent() == cl) {
        apply(sub, false);
      }
    }
  }

  /**
   * Lines joined into paragraphs (an empty line separates two): picocli then wraps each to the
   * terminal, instead of keeping line breaks made for one width.
   */
  static String[] paragraphs(String[] lines) {
    List<String> out = new ArrayList<>();
    StringBuilder p = new StringBuilder();
    for (String line : lines) {
      if (line.isBlank()) {
        if (p.length() > 0) {
          out.add(p.toString());
          p.setLength(0);
        }
        out.add("");
        continue;
      }
      if (p.length() > 0) {
        p.append(' ');
      }
      p.append(line.strip());
    }
    if (p.length() > 0) {
      out.add(p.toString());
    }
    return out.toArray(String[]::new);
  }
}
