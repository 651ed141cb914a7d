package io.expmgr.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the command line in-process and captures what it printed. */
final class CliRunner {
  private CliRunner() {}

  record Result(int exitCode, String out, String err) {}

  static Result run(String... args) {
    return runWithInput(null, args);
  }

  static synchronized Result runWithInput(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    InputStream originalIn = System.in;
    try {
      // No input unless given: a question is answered by end of input, never by waiting.
      System.setIn(
          new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)));
      int code = cl.execute(args);
      return new Result(code, out.toString(), err.toString());
    } finally {
      System.setIn(originalIn);
    }
  }
}
