package io.expmgr.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written whole, with the permissions a shell redirect would give them. */
class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aWrittenFileIsWholeAndGetsTheUmasksPermissionsNotOwnerOnly() throws Exception {
    // What this user's umask gives a new file here (a redirect, cp, mysqldump > file).
    Path plain = Files.createFile(dir.resolve("plain"));
    Set<PosixFilePermission> usual = Files.getPosixFilePermissions(plain);

    Path report = dir.resolve("sub/report.html");
    AtomicFiles.write(report, "first".getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(report, "second".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readString(report)).isEqualTo("second");
    assertThat(Files.getPosixFilePermissions(report)).isEqualTo(usual);
    // No temporary file stays beside it.
    try (var files = Files.list(report.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("report.html");
    }

    Path sibling = AtomicFiles.sibling(report, ".partial");
    assertThat(sibling.getParent()).isEqualTo(report.getParent().toAbsolutePath());
    assertThat(sibling.getFileName().toString()).startsWith(".report.html.").endsWith(".partial");
    assertThat(AtomicFiles.sibling(report, ".partial")).isNotEqualTo(sibling);
  }

  @Test
  void aFileThatCannotBeWrittenIsNamedAndNothingIsLeft() throws Exception {
    Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> AtomicFiles.write(dir.resolve("file/inside.json"), new byte[] {1}))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("file/inside.json");
    assertThatThrownBy(() -> AtomicFiles.checkWritable(dir.resolve("file/a/b/x.json")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("file/a/b/x.json");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("file");
    }
  }
}
