package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release archive, unpacked in an empty folder, runs with Java alone. */
class ReleaseIT {
  @TempDir Path dir;

  private static Path archive() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("expmgr-.+\\.tar\\.gz"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("mvn package made no expmgr-VERSION.tar.gz"));
    }
  }

  private String run(Path cwd, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    pb.environment().put("EXPMGR_HOME", dir.resolve("home").toString());
    // Nothing of the build on the way: only Java on the PATH.
    Path java = Path.of(System.getProperty("java.home"), "bin");
    pb.environment().put("PATH", java + ":/usr/bin:/bin");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    return out;
  }

  @Test
  void theArchiveUnpackedInAnEmptyFolderRunsTheDemo() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("unpacked"));
    run(empty, "tar", "xzf", archive().toAbsolutePath().toString());
    Path root;
    try (Stream<Path> top = Files.list(empty)) {
      List<Path> roots = top.toList();
      assertThat(roots).hasSize(1);
      root = roots.get(0);
    }
    assertThat(root.getFileName().toString()).startsWith("expmgr-");
    Path bin = root.resolve("bin/expmgr");
    assertThat(Files.isExecutable(bin)).isTrue();
    assertThat(root.resolve("LICENSE")).exists();
    assertThat(root.resolve("share/completion/expmgr.bash")).exists();
    assertThat(root.resolve("share/man/man1/expmgr.1")).exists();
    assertThat(root.resolve("share/man/man1/expmgr-validate.1")).exists();
    assertThat(root.resolve("docs/guide.md")).exists();
    try (JarFile jar = new JarFile(root.resolve("lib/expmgr.jar").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Enable-Native-Access"))
          .isEqualTo("ALL-UNNAMED");
    }
    // Through a link on the PATH, as an install would put it.
    Path link = Files.createSymbolicLink(dir.resolve("expmgr"), bin);
    assertThat(run(dir, link.toString(), "--version")).contains("expmgr ");
    String demo = run(dir, link.toString(), "demo", "--dir", dir.resolve("demo").toString());
    assertThat(demo).contains("validate");
    assertThat(dir.resolve("demo/experiments.db")).exists();
  }
}
