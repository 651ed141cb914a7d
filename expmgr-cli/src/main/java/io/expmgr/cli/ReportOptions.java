package io.expmgr.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The report options of validate and check-hierarchy. */
final class ReportOptions {
  @Option(
      names = {"-o", "--output"},
      paramLabel = "REPORT.json",
      description = "Write the JSON report here (folders are created; written atomically).")
  Path output;

  @Option(
      names = "--html",
      paramLabel = "REPORT.html",
      description =
          "Also write the report as one self-contained HTML page: status, a card per check,"
              + " samples, a chart per table, and the commands that fix what was found.")
  Path html;

  @Option(names = "--overwrite", description = "Replace the --output or --html file if it exists.")
  boolean overwrite;

  @Option(names = "--json", description = "Print the JSON report instead of the summary.")
  boolean json;

  @Option(
      names = "--sample-size",
      defaultValue = "10",
      paramLabel = "N",
      description = "Offending rows kept per check (default: ${DEFAULT-VALUE}).")
  int sampleSize;
}
