package io.expmgr.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The library's javadoc builds without errors (broken references, bad HTML), and every public type
 * and member of the packages a Java user starts from (the root package's exceptions, {@code api},
 * {@code manager}) says what it is.
 */
class PublicApiJavadocTest {
  private static final List<String> DOCUMENTED =
      List.of("io/expmgr/api/", "io/expmgr/manager/", "io/expmgr/[A-Z][^/]*\\.java");

  @Test
  void theJavadocBuildsAndTheEntryPackagesAreDocumented() throws Exception {
    DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
    Path out = Files.createDirectories(Path.of("target", "test-javadoc"));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<String> options =
        List.of(
            "-d",
            out.toString(),
            "-sourcepath",
            "src/main/java",
            "-subpackages",
            "io.expmgr",
            "-exclude",
            "io.expmgr.internal:io.expmgr.state",
            "-classpath",
            System.getProperty("java.class.path"),
            "-Xdoclint:all",
            "-Xmaxwarns",
            "100000",
            "-quiet");
    boolean ok = tool.getTask(new StringWriter(), null, diagnostics, null, options, null).call();
    List<String> errors = new ArrayList<>();
    List<String> undocumented = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      String where = d.getSource() == null ? "" : d.getSource().getName().replace('\\', '/');
      String line = where + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT);
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        errors.add(line);
      } else if (d.getMessage(Locale.ROOT).contains("no comment")
          && DOCUMENTED.stream().anyMatch(p -> where.matches(".*" + p + ".*"))) {
        undocumented.add(line);
      }
    }
    assertThat(errors).isEmpty();
    assertThat(ok).isTrue();
    assertThat(undocumented).isEmpty();
  }
}
