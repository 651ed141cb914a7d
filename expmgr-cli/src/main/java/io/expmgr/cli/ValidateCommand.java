package io.expmgr.cli;

import io.expmgr.cli.html.HtmlReports;
import io.expmgr.cli.html.ValidationPage;
import io.expmgr.internal.AtomicFiles;
import io.expmgr.manager.Operations;
import io.expmgr.validate.ReportJson;
import io.expmgr.validate.Status;
import io.expmgr.validate.ValidationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code expmgr validate}: every integrity check, a JSON report, exit 1 on FAIL. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs every integrity check: foreign keys (composite ones too), per-label JSON,",
      "the experiment hierarchy, and metrics or artifacts nothing links to.",
      "Exit code 0 for PASS or WARN, 1 for FAIL. Opens the database read-only."
    })
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Mixin ReportOptions report;

  @Override
  public Integer call() {
    return run(spec, connection, report, OptionalLong.empty(), false);
  }

  /** Shared by validate and check-hierarchy. */
  static int run(
      CommandSpec spec,
      ConnectionOptions connection,
      ReportOptions options,
      OptionalLong experiment,
      boolean hierarchyOnly) {
    Path output = options.output;
    boolean json = options.json;
    Output.refuseExisting(output, options.overwrite, "--output");
    Output.refuseExisting(options.html, options.overwrite, "--html");
    if (output != null) {
      AtomicFiles.checkWritable(output);
    }
    if (options.html != null) {
      AtomicFiles.checkWritable(options.html);
    }
    ValidationReport report;
    try (ProgressDisplay progress =
        Output.progress(hierarchyOnly ? "check-hierarchy" : "validate", "checks", !json)) {
      report =
          hierarchyOnly
              ? Operations.checkHierarchy(
                  connection.toConfig(), experiment, options.sampleSize, progress)
              : Operations.validate(connection.toConfig(), options.sampleSize, progress);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output != null) {
      ReportJson.write(report, output);
    }
    if (options.html != null) {
      HtmlReports.write(
          options.html,
          "validation.jte",
          ValidationPage.of(
              report, hierarchyOnly ? "check-hierarchy" : "validate", connection.forCommands()));
    }
    if (json) {
      out.println(ReportJson.toString(report));
      out.flush();
    } else {
      ReportPrinter.print(out, report);
      if (output != null) {
        out.println("Report written to " + output.toAbsolutePath());
      }
      if (options.html != null) {
        out.println("HTML report written to " + options.html.toAbsolutePath());
      }
      out.flush();
    }
    return report.overallStatus() == Status.FAIL ? ExitCodes.VALIDATION_FAILED : ExitCodes.OK;
  }
}
