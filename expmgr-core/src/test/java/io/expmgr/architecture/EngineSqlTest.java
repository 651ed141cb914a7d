package io.expmgr.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SQL only one engine understands stays in that engine's package under {@code db/}: the string
 * literals of every other package, the generic {@code db} package included (the command line's help
 * text aside), hold none of it.
 */
class EngineSqlTest {
  private static final Pattern LITERAL = Pattern.compile("\"((?:\\\\.|[^\"\\\\])*)\"");
  private static final Pattern ENGINE_ONLY =
      Pattern.compile(
          "(?i)\\b(PRAGMA|TEMP TRIGGER|DROP DATABASE|CREATE DATABASE|GET_LOCK|RELEASE_LOCK"
              + "|LOAD DATA|sqlite_master|sqlite_schema|sqlite_sequence|information_schema"
              + "|AUTO_INCREMENT|AUTOINCREMENT|ON DUPLICATE KEY|INSERT OR|SHOW CREATE"
              + "|SHOW TABLES|FOREIGN_KEY_CHECKS|ENGINE=InnoDB)\\b");

  static List<String> leaks(Path sources) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        String rel = sources.relativize(f).toString().replace('\\', '/');
        boolean enginePackage = rel.matches("io/expmgr/db/[^/]+/.*");
        if (enginePackage || rel.startsWith("io/expmgr/cli/")) {
          continue;
        }
        String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "");
        int line = 0;
        for (String l : code.split("\n", -1)) {
          line++;
          String withoutComment = l.replaceAll("^\\s*//.*", "");
          Matcher m = LITERAL.matcher(withoutComment);
          while (m.find()) {
            Matcher e = ENGINE_ONLY.matcher(m.group(1));
            if (e.find()) {
              found.add(rel + ": " + e.group(1) + " in \"" + m.group(1) + "\"");
            }
          }
        }
      }
    }
    return found;
  }

  @Test
  void engineOnlySqlStaysInTheDatabaseLayer() throws IOException {
    assertThat(leaks(Path.of("src/main/java"))).isEmpty();
  }

  @Test
  void theScanFindsALeakInTheGenericDatabasePackageButNotInAnEngines(
      @org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path generic = Files.createDirectories(dir.resolve("io/expmgr/db")).resolve("G.java");
    Files.writeString(generic, "class G {\n  String s = \"SELECT * FROM sqlite_master\";\n}\n");
    Path engine = Files.createDirectories(dir.resolve("io/expmgr/db/sqlite")).resolve("E.java");
    Files.writeString(engine, "class E {\n  String s = \"SELECT * FROM sqlite_master\";\n}\n");
    assertThat(leaks(dir))
        .containsExactly("io/expmgr/db/G.java: sqlite_master in \"SELECT * FROM sqlite_master\"");
  }

  @Test
  void theScanFindsALeak(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = Files.createDirectories(dir.resolve("io/expmgr/migrate")).resolve("X.java");
    Files.writeString(
        f, "class X {\n  // PRAGMA in a comment is fine\n  String s = \"PRAGMA foo\";\n}\n");
    assertThat(leaks(dir)).containsExactly("io/expmgr/migrate/X.java: PRAGMA in \"PRAGMA foo\"");
  }
}
