package io.expmgr.cli;

import picocli.CommandLine;

/** The {@code expmgr} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    io.expmgr.manager.Operations.warmUp();
    int code = run(args);
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command line and returns its exit code, without exiting (for tests). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured picocli command line, with our exception handlers. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new ExpmgrCommand());
    ErrorHandler handler = new ErrorHandler();
    cl.setExecutionExceptionHandler(handler);
    cl.setParameterExceptionHandler(handler);
    cl.setExecutionStrategy(ErrorHandler::executeWithLogging);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    // A path the file system cannot hold (a NUL byte) is a usage error in plain words.
    cl.registerConverter(
        java.nio.file.Path.class,
        s -> {
          try {
            return java.nio.file.Path.of(s);
          } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.TypeConversionException(
                "'" + s.replace("\0", "\\0") + "' is not a valid path: " + e.getReason());
          }
        });
    cl.registerConverter(
        io.expmgr.db.SslMode.class,
        s -> {
          try {
            return io.expmgr.db.SslMode.parse(s);
          } catch (io.expmgr.InvalidInputException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
          }
        });
    HelpText.apply(cl);
    return cl;
  }
}
