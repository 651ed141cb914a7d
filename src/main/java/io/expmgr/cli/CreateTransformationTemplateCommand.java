package io.expmgr.cli;

import io.expmgr.AtomicFiles;
import io.expmgr.migrate.TransformationRules;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code expmgr create-transformation-template}. */
@Command(
    name = "create-transformation-template",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a commented, valid transformation rules file that uses every transformation,",
      "to edit for transform-metrics and migrate-experiment (--transformation-file)."
    })
final class CreateTransformationTemplateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Where to write it (default: standard output).")
  Path output;

  @Option(names = "--force", description = "Overwrite an existing file.")
  boolean force;

  @Override
  public Integer call() {
    String template = TransformationRules.template();
    PrintWriter out = spec.commandLine().getOut();
    if (output == null) {
      out.print(template);
      out.flush();
      return ExitCodes.OK;
    }
    if (Files.exists(output) && !force) {
      throw new io.expmgr.InvalidInputException(
          output + " already exists; nothing was written (--force overwrites it)");
    }
    AtomicFiles.write(output, template.getBytes(StandardCharsets.UTF_8));
    out.println("Wrote " + output + ": edit it, then pass it as --transformation-file.");
    out.flush();
    return ExitCodes.OK;
  }
}
