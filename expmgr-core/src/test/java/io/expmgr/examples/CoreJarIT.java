package io.expmgr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a Java user gets it: a plain program compiled and run against the core jar and
 * only the dependencies it declares (no command line, no Logback, nothing of the test classpath).
 */
class CoreJarIT {
  private static final String PROGRAM =
      """
      import io.expmgr.api.DatabaseManager;
      import io.expmgr.db.ConnectionConfig;
      import io.expmgr.manager.DataMigrationManager;
      import io.expmgr.snapshot.SnapshotInfo;
      import io.expmgr.transfer.ExportResult;
      import io.expmgr.validate.ValidationReport;
      import java.nio.file.Path;
      import java.time.LocalDateTime;
      import java.util.Map;

      public class UseCore {
        public static void main(String[] args) throws Exception {
          Path dir = Path.of(args[0]);
          long exp;
          try (DatabaseManager db = DatabaseManager.create(
              ConnectionConfig.sqlite(dir.resolve("research.db")))) {
            exp = db.createExperiment("plain java", "core jar only");
            long run = db.createTrialRun(db.createTrial(exp, "t"), "DONE");
            db.createEpoch(run, 0, LocalDateTime.now());
            db.addEpochMetric(run, 0, "accuracy", 0.9, Map.of("cat", 0.8));
            DataMigrationManager m = new DataMigrationManager(db);
            ValidationReport report = m.validator().validateDataConsistency();
            System.out.println("validation " + report.summaryStatus());
            SnapshotInfo s = m.snapshotManager().createSnapshot("from a program");
            System.out.println("snapshot rows " + s.rowCounts().get("METRIC"));
            ExportResult out = m.exportExperiment(exp, dir.resolve("e.json"), true, true);
            System.out.println("exported " + out.totalRows() + " rows");
          }
          try (DatabaseManager target = DatabaseManager.create(
              ConnectionConfig.sqlite(dir.resolve("copy.db")))) {
            long copy = new DataMigrationManager(target)
                .importExperimentData(dir.resolve("e.json"));
            System.out.println("imported " + target.getExperiment(copy).orElseThrow().title());
          }
        }
      }
      """;

  @Test
  void aPlainProgramRunsOnTheCoreJarAndItsDeclaredDependencies(@TempDir Path dir) throws Exception {
    Path target = Path.of("target").toAbsolutePath();
    Path jar;
    try (var files = Files.list(target)) {
      jar =
          files
              .filter(
                  p -> p.getFileName().toString().matches("expmgr-core-[0-9.]+(-SNAPSHOT)?\\.jar"))
              .findFirst()
              .orElseThrow();
    }
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
          .isEqualTo("io.expmgr.core");
      assertThat(j.getEntry("io/expmgr/cli")).isNull();
      assertThat(j.getEntry("logback.xml")).isNull();
      assertThat(j.getEntry("META-INF/services/ch.qos.logback.classic.spi.Configurator")).isNull();
    }
    List<String> deps =
        Arrays.asList(
            Files.readString(target.resolve("runtime-classpath.txt"), StandardCharsets.UTF_8)
                .trim()
                .split(java.io.File.pathSeparator));
    assertThat(deps)
        .noneMatch(p -> p.contains("logback"))
        .noneMatch(p -> p.contains("picocli"))
        .noneMatch(p -> p.contains("progressbar"))
        .anyMatch(p -> p.contains("slf4j-api"));
    String classpath =
        jar + java.io.File.pathSeparator + String.join(java.io.File.pathSeparator, deps);

    Path src = Files.createDirectories(dir.resolve("src")).resolve("UseCore.java");
    Files.writeString(src, PROGRAM);
    Path classes = Files.createDirectories(dir.resolve("classes"));
    int compiled =
        ToolProvider.getSystemJavaCompiler()
            .run(null, null, null, "-cp", classpath, "-d", classes.toString(), src.toString());
    assertThat(compiled).as("the program compiles against the core jar").isZero();

    Path work = Files.createDirectories(dir.resolve("work"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-cp", classes + java.io.File.pathSeparator + classpath, "UseCore"));
    cmd.add(work.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .containsPattern("validation (PASS|WARN)")
        .contains("snapshot rows 1")
        .containsPattern("exported [1-9][0-9]* rows")
        .contains("imported plain java")
        // The library logs only through SLF4J: with no provider, nothing but SLF4J's own notice.
        .doesNotContain("INFO:")
        .doesNotContain("org.flywaydb");
    assertThat(Files.exists(work.resolve("copy.db"))).isTrue();
  }
}
