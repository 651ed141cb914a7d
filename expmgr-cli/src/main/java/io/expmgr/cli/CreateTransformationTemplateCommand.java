package io.expmgr.cli;

import io.expmgr.internal.AtomicFiles;
import io.expmgr.manager.Operations;
import io.expmgr.migrate.TransformationRules;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr create-transformation-template}. */
@Command(
    name = "create-transformation-template",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes a commented, valid transformation rules file that uses every transformation, to",
      "edit for transform-metrics and migrate-experiment (--transformation-file). The entry that",
      "needs schema 2.0 (add_metadata) is included when the database (-d) or --schema-version is",
      "2.0 or later, and commented out otherwise, so the file is valid as written."
    })
final class CreateTransformationTemplateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--schema-version",
      paramLabel = "VERSION",
      description = "Write it for this schema version (1.0, 2.0, 2.1) instead of a database's.")
  String schemaVersion;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Where to write it (default: standard output).")
  Path output;

  @Option(names = "--overwrite", description = "Replace the --output file if it exists.")
  boolean overwrite;

  /** The earlier spelling, kept so that scripts still run. */
  @Option(names = "--force", hidden = true)
  void legacyForce(boolean value) {
    overwrite = value;
  }

  @Override
  public Integer call() {
    Output.refuseExisting(output, overwrite, "--output");
    String version = schemaVersion;
    if (version != null && !Operations.isKnownSchemaVersion(version)) {
      throw new io.expmgr.InvalidInputException(
          "--schema-version must be 1.0, 2.0 or 2.1, got '" + version + "'");
    }
    if (version == null && connection.isGiven()) {
      version = Operations.schemaVersion(connection.toConfig());
    }
    boolean metadata = version != null && Operations.hasMetricMetadata(version);
    String template = TransformationRules.template(metadata);
    PrintWriter out = spec.commandLine().getOut();
    if (output == null) {
      out.print(template);
      out.flush();
      return ExitCodes.OK;
    }
    AtomicFiles.write(output, template.getBytes(StandardCharsets.UTF_8));
    out.println(
        "Wrote "
            + output
            + (version == null
                ? " (valid on every schema version; add -d to write it for a database's)"
                : " for schema " + version)
            + ": edit it, then pass it as --transformation-file.");
    out.flush();
    return ExitCodes.OK;
  }
}
