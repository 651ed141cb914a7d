package io.expmgr.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Parameters;

/** {@code expmgr help [COMMAND [SUBCOMMAND]]}: the help of any command, nested ones included. */
@Command(
    name = "help",
    helpCommand = true,
    description = "Shows the help of a command; 'expmgr help schema upgrade' for a nested one.")
final class NestedHelp implements CommandLine.IHelpCommandInitializable2, Runnable {
  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, as typed.")
  List<String> path = new ArrayList<>();

  private CommandLine self;
  private PrintWriter out;
  private ColorScheme colors;

  @Override
  public void init(
      CommandLine helpCommandLine, ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
    this.self = helpCommandLine;
    this.colors = colorScheme;
    this.out = out;
  }

  @Override
  public void run() {
    CommandLine target = self.getParent();
    for (String name : path) {
      CommandLine next = target.getSubcommands().get(name);
      if (next == null) {
        throw new CommandLine.ParameterException(
            self,
            "unknown command '" + String.join(" ", path) + "': 'expmgr help' lists the commands");
      }
      target = next;
    }
    target.usage(out, colors);
    out.flush();
  }
}
