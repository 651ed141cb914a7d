package io.expmgr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The files a release carries beside the jar, made from the command model so they never drift from
 * it: completion scripts, man pages (roff, one per command) and the command pages of {@code
 * docs/commands}. The build runs it; {@code DistFiles DIR} writes them under DIR.
 */
public final class DistFiles {
  private DistFiles() {}

  /** Writes {@code completion/}, {@code man/man1/} and {@code commands/} under {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    for (Map.Entry<String, String> f : all().entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
    }
  }

  /** Every file by its path under the output folder. */
  static Map<String, String> all() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("completion/expmgr.bash", CompletionCommand.script(CompletionCommand.Shell.bash));
    out.put("completion/_expmgr", CompletionCommand.script(CompletionCommand.Shell.zsh));
    for (CommandLine cl : commands(Main.commandLine())) {
      String name = cl.getCommandSpec().qualifiedName("-");
      out.put("man/man1/" + name + ".1", manPage(cl));
      out.put("commands/" + name + ".md", markdown(cl));
    }
    return out;
  }

  /** The command and its subcommands, depth first, without the help command. */
  static List<CommandLine> commands(CommandLine cl) {
    List<CommandLine> out = new ArrayList<>();
    out.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getParent() == cl && !(sub.getCommand() instanceof NestedHelp)) {
        out.addAll(commands(sub));
      }
    }
    return out;
  }

  private static String usage(CommandLine cl, int width) {
    cl.getCommandSpec().usageMessage().autoWidth(false).width(width);
    StringWriter w = new StringWriter();
    cl.usage(new PrintWriter(w), CommandLine.Help.Ansi.OFF);
    return w.toString();
  }

  /** A page of {@code docs/commands}: the summary and the whole help screen. */
  static String markdown(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    StringBuilder md = new StringBuilder();
    md.append("# ").append(spec.qualifiedName()).append("\n\n");
    md.append(spec.usageMessage().header()[0]).append("\n\n");
    md.append("<!-- Made from the command model by io.expmgr.cli.DistFiles; do not edit. -->\n\n");
    if (!cl.getSubcommands().isEmpty() && cl.getParent() != null) {
      md.append("Subcommands: ");
      List<String> links = new ArrayList<>();
      for (CommandLine sub : commands(cl).subList(1, commands(cl).size())) {
        String n = sub.getCommandSpec().qualifiedName("-");
        links.add("[" + sub.getCommandSpec().qualifiedName() + "](" + n + ".md)");
      }
      md.append(String.join(", ", links)).append(".\n\n");
    }
    md.append("```text\n").append(usage(cl, 100)).append("```\n");
    return md.toString();
  }

  private static String roff(String text) {
    String t = text.replace("\\", "\\e").replace("-", "\\-");
    return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
  }

  /** A man page in roff. */
  static String manPage(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    String name = spec.qualifiedName("-");
    StringBuilder m = new StringBuilder();
    m.append(".TH \"")
        .append(name.toUpperCase(java.util.Locale.ROOT))
        .append("\" \"1\" \"\" \"expmgr ")
        .append(ExpmgrCommand.version())
        .append("\" \"expmgr Manual\"\n");
    m.append(".SH NAME\n").append(roff(name)).append(" \\- ");
    m.append(roff(spec.usageMessage().header()[0])).append('\n');
    m.append(".SH SYNOPSIS\n.nf\n");
    String synopsis = cl.getHelp().synopsis(0);
    for (String line : synopsis.strip().split("\n")) {
      m.append(roff(line)).append('\n');
    }
    m.append(".fi\n.SH DESCRIPTION\n");
    for (String p : spec.usageMessage().description()) {
      if (!p.isEmpty()) {
        m.append(".PP\n").append(roff(String.format(p.replace("%n", "\n")))).append('\n');
      }
    }
    if (!spec.options().isEmpty()) {
      m.append(".SH OPTIONS\n");
      for (OptionSpec o : spec.options()) {
        if (o.hidden()) {
          continue;
        }
        m.append(".TP\n");
        List<String> names = new ArrayList<>();
        for (String n : o.names()) {
          names.add("\\fB" + roff(n) + "\\fR");
        }
        m.append(String.join(", ", names));
        if (o.typeInfo().isBoolean() == false && !o.paramLabel().isEmpty()) {
          m.append("=\\fI").append(roff(o.paramLabel())).append("\\fR");
        }
        m.append('\n');
        String desc = String.join(" ", o.description());
        if (o.completionCandidates() != null) {
          List<String> values = new ArrayList<>();
          o.completionCandidates().forEach(values::add);
          desc = desc.replace("${COMPLETION-CANDIDATES}", String.join(", ", values));
        }
        desc = desc.replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
        m.append(roff(desc)).append('\n');
      }
    }
    if (!cl.getSubcommands().isEmpty()) {
      m.append(".SH COMMANDS\n");
      for (CommandLine sub : cl.getSubcommands().values()) {
        if (sub.getParent() == cl) {
          m.append(".TP\n\\fB")
              .append(roff(sub.getCommandName()))
              .append("\\fR\n")
              .append(roff(sub.getCommandSpec().usageMessage().header()[0]))
              .append('\n');
        }
      }
    }
    String footer = String.join("\n", spec.usageMessage().footer()).replace("%%", "%").strip();
    if (!footer.isEmpty()) {
      for (String section : footer.split("\n\n")) {
        String[] lines = section.split("\n");
        String title = lines[0].endsWith(":") ? lines[0].substring(0, lines[0].length() - 1) : null;
        m.append(".SH ")
            .append(title == null ? "NOTES" : title.toUpperCase(java.util.Locale.ROOT))
            .append("\n.nf\n");
        for (int i = title == null ? 0 : 1; i < lines.length; i++) {
          m.append(roff(lines[i])).append('\n');
        }
        m.append(".fi\n");
      }
    }
    m.append(".SH SEE ALSO\n").append(roff("expmgr(1), docs/guide.md")).append('\n');
    return m.toString();
  }
}
