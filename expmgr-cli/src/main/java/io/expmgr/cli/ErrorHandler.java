package io.expmgr.cli;

import io.expmgr.ExpmgrException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr and an exit code from {@link ExitCodes}; the stack
 * trace goes to the log file, and to stderr only with {@code --verbose}.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

  /** Sets up logging for a real run (not for --help or --version), then runs the command. */
  static int executeWithLogging(ParseResult parseResult) {
    Integer helpExit = CommandLine.executeHelpRequest(parseResult);
    if (helpExit != null) {
      return helpExit;
    }
    LogSetup.init(isVerbose(parseResult));
    Output.quiet = false;
    ProgressDisplay.requested = ProgressDisplay.Mode.auto;
    ParseResult leaf = parseResult;
    boolean quiet = false;
    boolean json = false;
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      quiet |= pr.hasMatchedOption("--quiet");
      json |= pr.hasMatchedOption("--json");
      if (pr.hasMatchedOption("--progress")) {
        ProgressDisplay.requested = pr.matchedOptionValue("--progress", ProgressDisplay.Mode.auto);
      }
      leaf = pr;
    }
    String name = leaf.commandSpec().name();
    if (quiet
        && !json
        && !name.equals("completion")
        && !(name.equals("create-transformation-template") && !leaf.hasMatchedOption("--output"))) {
      // Summaries go; questions still reach the user, on stderr.
      Output.quiet = true;
      leaf.commandSpec().commandLine().setOut(new PrintWriter(java.io.Writer.nullWriter()));
    }
    log.info("expmgr {} {}", ExpmgrCommand.version(), String.join(" ", redactedArgs(parseResult)));
    return new CommandLine.RunLast().execute(parseResult);
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    String[] args = parseResult.originalArgs().toArray(new String[0]);
    int code = ExitCodes.of(e);
    String message = Secrets.redact(Suggestions.complete(oneLine(e), args), args);
    if (code != ExitCodes.ofKnown(e)) {
      message += io.expmgr.db.Failures.hint(io.expmgr.db.Failures.classify(e));
    }
    log.error("{} failed: {}", cmd.getCommandName(), message, e);
    err.println("error: " + message);
    if (isVerbose(parseResult)) {
      e.printStackTrace(err);
    } else if (code == ExitCodes.INTERNAL) {
      err.println("(run with --verbose for details" + logHint() + ")");
    }
    err.flush();
    return code;
  }

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + Secrets.redact(oneLine(e), args));
    String idHint = idHint(e);
    if (idHint != null) {
      err.println(idHint);
    } else if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
      err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  /**
   * For an id given without its option ({@code migrate-experiment -d x.db 1}): the options that
   * take one, e.g. "An id goes after its option: -e/--experiment-id ID". Null otherwise.
   */
  private static String idHint(ParameterException e) {
    if (!(e instanceof CommandLine.UnmatchedArgumentException u)
        || u.getUnmatched().stream().noneMatch(a -> a.matches("[0-9][0-9_]*"))) {
      return null;
    }
    java.util.List<String> options = new java.util.ArrayList<>();
    for (CommandLine.Model.OptionSpec o : e.getCommandLine().getCommandSpec().options()) {
      if (o.paramLabel().equals("ID") && !o.hidden()) {
        options.add(String.join("/", o.names()) + " ID");
      }
    }
    return options.isEmpty()
        ? null
        : "An id goes after its option: "
            + String.join(", ", options)
            + ". Try '"
            + e.getCommandLine().getCommandSpec().qualifiedName()
            + " --help' for usage.";
  }

  private static String logHint() {
    return LogSetup.logFile() == null ? "" : "; log: " + LogSetup.logFile();
  }

  /** The first line of the message, or the exception kind when it has none. */
  static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e instanceof ExpmgrException ? e.getClass().getSimpleName() : "unexpected " + e;
    }
    return m.lines().findFirst().orElse(m).trim();
  }

  static boolean isVerbose(ParseResult parseResult) {
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      if (pr.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  private static java.util.List<String> redactedArgs(ParseResult parseResult) {
    String[] args = parseResult.originalArgs().toArray(new String[0]);
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String a : args) {
      out.add(Secrets.redact(a, args));
    }
    return out;
  }
}
