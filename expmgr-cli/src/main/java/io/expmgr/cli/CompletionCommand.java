package io.expmgr.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints a completion script made from the command model, so it never drifts from it. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description =
        "Prints a script that completes commands, options and option values (such as"
            + " --ssl-mode's) as you type. zsh runs the bash script through bashcompinit.")
final class CompletionCommand implements Callable<Integer> {
  /** The shells with a script. */
  enum Shell {
    bash,
    zsh
  }

  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
  Shell shell;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.print(script(shell));
    out.flush();
    return ExitCodes.OK;
  }

  /** The completion script of the whole command line for a shell. */
  static String script(Shell shell) {
    String bash = AutoComplete.bash("expmgr", Main.commandLine());
    if (shell == Shell.zsh) {
      return "autoload -U +X compinit && compinit\n"
          + "autoload -U +X bashcompinit && bashcompinit\n"
          + bash;
    }
    return bash;
  }
}
