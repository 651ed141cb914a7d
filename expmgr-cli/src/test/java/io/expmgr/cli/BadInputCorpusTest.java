package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inputs a tired user gives, every command against every wrong database and each option with a
 * wrong value: each gets a non-zero exit code other than 70 (an internal error), one {@code error:}
 * line without a stack trace or a password, and changes nothing (the database's bytes, the
 * snapshots, the files of its folder).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusTest {
  private static final String SECRET = "pw-Corpus-9";
  @TempDir static Path dir;
  private Path db;
  private Path snaps;
  private String snapshotId;
  private Path export;
  private Path rules;

  @BeforeAll
  void fixtures() throws Exception {
    db = dir.resolve("good.db");
    DataGenerator.generate(
        ConnectionConfig.sqlite(db),
        new GenerateOptions(2, 2, 2, 3, 2, 3, 1, 5, 2, 2, 2),
        false,
        ProgressListener.NONE);
    snaps = dir.resolve("snaps");
    CliRunner.Result s =
        CliRunner.run(
            "create-snapshot", "-d", db.toString(), "--snapshot-dir", snaps.toString(), "--json");
    assertThat(s.exitCode()).as(s.err()).isZero();
    snapshotId = new ObjectMapper().readTree(s.out()).path("id").asText();
    export = dir.resolve("export.json");
    CliRunner.Result e =
        CliRunner.run("export-experiment", "-d", db.toString(), "-e", "1", "-o", export.toString());
    assertThat(e.exitCode()).as(e.err()).isZero();
    rules = dir.resolve("rules.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}]}");
    Files.createDirectories(dir.resolve("a-folder"));
    Files.writeString(dir.resolve("notes.txt"), "not a database\n");
    Files.write(dir.resolve("empty.db"), new byte[0]);
    byte[] bytes = Files.readAllBytes(db);
    Files.write(dir.resolve("truncated.db"), Arrays.copyOf(bytes, 4096 * 3 + 100));
    Files.writeString(dir.resolve("broken.json"), "{\"metric_transformations\": [ {");
    Files.writeString(
        dir.resolve("typo.json"),
        "{\"metric_transformation\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":0.5}}]}");
    Files.writeString(
        dir.resolve("unknown-kind.json"),
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scael\","
            + "\"rules\":{\"factor\":0.5}}]}");
    Files.writeString(
        dir.resolve("no-factor.json"),
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{}}]}");
    Files.writeString(
        dir.resolve("text-factor.json"),
        "{\"metric_transformations\":[{\"metric_type\":\"loss\",\"transformation\":\"scale\","
            + "\"rules\":{\"factor\":\"half\"}}]}");
    Files.writeString(dir.resolve("array.json"), "[1, 2, 3]");
    Files.write(dir.resolve("binary.json"), new byte[] {0, 1, 2, (byte) 0xff, (byte) 0xfe});
    String full = Files.readString(export);
    Files.writeString(dir.resolve("export-truncated.json"), full.substring(0, full.length() / 2));
    Files.writeString(
        dir.resolve("export-future.json"),
        full.replaceFirst("\"format_version\"\\s*:\\s*\\d+", "\"format_version\": 99"));
    Files.writeString(dir.resolve("export-empty.json"), "");
    Files.writeString(dir.resolve("export-object.json"), "{}");
  }

  /** The connection part of a case: the good file, or one of the wrong ones. */
  private List<String[]> wrongDatabases() {
    Path d = dir;
    return List.of(
        new String[] {"-d", d.resolve("no-such-folder/x.db").toString()},
        new String[] {"-d", d.resolve("missing.db").toString()},
        new String[] {"-d", d.resolve("a-folder").toString()},
        new String[] {"-d", d.resolve("notes.txt").toString()},
        new String[] {"-d", d.resolve("truncated.db").toString()},
        new String[] {"-d", "db", "--mysql", "--host", "bad host name"},
        new String[] {
          "-d", "db", "--mysql", "--host", "127.0.0.1:3306/mysql?allowMultiQueries=true"
        },
        new String[] {"-d", "db", "--mysql", "--port", "70000"},
        new String[] {
          "-d", "db", "--mysql", "--host", "127.0.0.1", "--port", "1", "--password=" + SECRET
        },
        new String[] {"-d", "bad;name", "--mysql"},
        new String[] {"-d", db.toString(), "--sqlite", "--mysql"},
        new String[] {"-d", db.toString(), "--host", "localhost"});
  }

  /** Each command with valid arguments but the database's. */
  private List<String[]> commands() {
    String s = snaps.toString();
    return List.of(
        new String[] {"validate"},
        new String[] {"check-hierarchy"},
        new String[] {"cleanup-orphans", "--yes", "--no-snapshot"},
        new String[] {"create-snapshot", "--snapshot-dir", s},
        new String[] {"verify-snapshot", "--snapshot-dir", s, "--snapshot-id", snapshotId},
        new String[] {"export-experiment", "-e", "1", "-o", dir.resolve("out.json").toString()},
        new String[] {"schema", "status"},
        new String[] {"schema", "upgrade", "--no-snapshot"},
        new String[] {
          "transform-metrics", "--transformation-file", rules.toString(), "--no-snapshot"
        },
        new String[] {"migrate-experiment", "-s", "1", "--no-snapshot"},
        new String[] {"list-migrations"},
        new String[] {"rollback-transform", "--run-id", "1"},
        new String[] {"import-experiment", "-i", export.toString()},
        new String[] {
          "restore-snapshot",
          "--snapshot-dir",
          s,
          "--snapshot-id",
          snapshotId,
          "--yes",
          "--no-snapshot"
        });
  }

  /** Where a wrong database is no error: commands that make the database when it is missing. */
  private static boolean legitimate(String[] command, String[] database) {
    boolean creates =
        command[0].equals("import-experiment") || command[0].equals("restore-snapshot");
    // verify-snapshot reads only the snapshot: the database may be anything, or gone.
    boolean needsNoDatabase =
        command[0].equals("verify-snapshot")
            && (database.length == 2 || Arrays.asList(database).contains("1"));
    return creates && database[1].endsWith("missing.db") || needsNoDatabase;
  }

  Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String[] c : commands()) {
      for (String[] d : wrongDatabases()) {
        if (!legitimate(c, d)) {
          out.add(Arguments.of(String.join(" ", c) + " " + String.join(" ", d), concat(c, d)));
        }
      }
    }
    String g = db.toString();
    String s = snaps.toString();
    String[][] options = {
      {"validate", "-d", g, "--sample-size", "-1"},
      {"validate", "-d", g, "--sample-size", "many"},
      {"validate", "-d", g, "--ssl-mode", "sometimes"},
      {"validate", "-d", g, "-o", dir.resolve("no-such-folder").toString() + "/sub\0/r.json"},
      {"validate", "-d", g, "--no-such-option"},
      {"validate"},
      {"valdiate", "-d", g},
      {"check-hierarchy", "-d", g, "-e", "999999"},
      {"check-hierarchy", "-d", g, "-e", "one"},
      {"check-hierarchy", "-d", g, "-e", "-3"},
      {"export-experiment", "-d", g, "-e", "999999", "-o", dir.resolve("x1.json").toString()},
      {"export-experiment", "-d", g, "-e", "abc", "-o", dir.resolve("x2.json").toString()},
      {"export-experiment", "-d", g, "-e", "1", "-o", dir.resolve("a-folder").toString()},
      {"export-experiment", "-d", g, "-e", "1", "-o", dir.resolve("notes.txt/x.json").toString()},
      {"export-experiment", "-d", g, "-e", "1"},
      {"import-experiment", "-d", g, "-i", dir.resolve("no-such-export.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("broken.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("export-truncated.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("export-future.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("export-empty.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("export-object.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("binary.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("array.json").toString()},
      {"import-experiment", "-d", g, "-i", dir.resolve("a-folder").toString()},
      {"transform-metrics", "-d", g, "--transformation-file", dir.resolve("none.json").toString()},
      {
        "transform-metrics", "-d", g, "--transformation-file", dir.resolve("broken.json").toString()
      },
      {"transform-metrics", "-d", g, "--transformation-file", dir.resolve("typo.json").toString()},
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        dir.resolve("unknown-kind.json").toString()
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        dir.resolve("no-factor.json").toString()
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        dir.resolve("text-factor.json").toString()
      },
      {"transform-metrics", "-d", g, "--transformation-file", dir.resolve("array.json").toString()},
      {
        "transform-metrics", "-d", g, "--transformation-file", dir.resolve("binary.json").toString()
      },
      {
        "transform-metrics", "-d", g, "--transformation-file", rules.toString(), "--batch-size", "0"
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        rules.toString(),
        "--batch-size",
        "-5"
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        rules.toString(),
        "--strategy",
        "fast"
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        rules.toString(),
        "--experiment-ids",
        "1,x"
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        rules.toString(),
        "--experiment-ids",
        "424242"
      },
      {
        "transform-metrics",
        "-d",
        g,
        "--transformation-file",
        rules.toString(),
        "--report",
        dir.resolve("notes.txt/r.json").toString()
      },
      {"migrate-experiment", "-d", g, "-s", "424242"},
      {"migrate-experiment", "-d", g, "-s", "1", "--to", "postgres://x/y"},
      {"migrate-experiment", "-d", g, "-s", "1", "--to", "mysql://u:" + SECRET + "@/nodb"},
      {"migrate-experiment", "-d", g, "-s", "1", "--to", "mysql://u@127.0.0.1:1/db?x=1"},
      {"migrate-experiment", "-d", g, "-s", "1", "--to", "sqlite:"},
      {"migrate-experiment", "-d", g, "-s", "1", "--into-experiment", "424242"},
      {"rollback-transform", "-d", g, "--run-id", "424242"},
      {"rollback-transform", "-d", g, "--run-id", "x"},
      {"verify-snapshot", "-d", g, "--snapshot-dir", s, "--snapshot-id", "20990101_000000"},
      {"verify-snapshot", "-d", g, "--snapshot-dir", s, "--snapshot-id", "../../etc"},
      {
        "restore-snapshot",
        "-d",
        g,
        "--snapshot-dir",
        s,
        "--snapshot-id",
        "20990101_000000",
        "--yes"
      },
      {"restore-snapshot", "-d", g, "--snapshot-dir", s, "--snapshot-id", "../x", "--yes"},
      {
        "restore-snapshot",
        "-d",
        g,
        "--snapshot-dir",
        dir.resolve("nosnaps").toString(),
        "--snapshot-id",
        snapshotId,
        "--yes"
      },
      {"delete-snapshot", "-d", g, "--snapshot-dir", s, "--snapshot-id", "20990101_000000"},
      {"delete-snapshot", "-d", g, "--snapshot-dir", s, "--snapshot-id", "/etc/passwd"},
      {"prune-snapshots", "-d", g, "--snapshot-dir", s},
      {"prune-snapshots", "-d", g, "--snapshot-dir", s, "--keep-last", "-1"},
      {"prune-snapshots", "-d", g, "--snapshot-dir", s, "--keep-daily", "lots"},
      {"create-snapshot", "-d", g, "--snapshot-dir", s, "--format", "zip"},
      {"create-snapshot", "-d", g, "--snapshot-dir", dir.resolve("notes.txt").toString()},
      {"schema", "upgrade", "-d", g, "--to", "9.9", "--no-snapshot"},
      {"schema", "upgrade", "-d", g, "--to", "0.1", "--no-snapshot"},
      {"schema", "frobnicate", "-d", g},
      {"cleanup-orphans", "-d", g, "--snapshot-dir", dir.resolve("notes.txt").toString(), "--yes"},
      {"generate", "-d", g},
      {"generate", "-d", dir.resolve("gen.db").toString(), "--experiments", "-2"},
      {"generate", "-d", dir.resolve("gen2.db").toString(), "--layout", "oracle"},
      {"create-transformation-template", "-o", dir.resolve("notes.txt/t.json").toString()},
      {"validate", "-d", g, "--password", SECRET, "stray-argument"},
    };
    for (String[] o : options) {
      out.add(Arguments.of(String.join(" ", o), o));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aBadInputGetsOneLineItsOwnExitCodeAndChangesNothing(String name, String[] args)
      throws Exception {
    var before = state();
    CliRunner.Result r = CliRunner.run(args);
    String err = r.err().strip();
    assertThat(r.exitCode()).as(name + "\n" + r.err()).isNotIn(0, 70);
    assertThat(err.lines().filter(l -> l.startsWith("error:")).count())
        .as(name + "\n" + r.err())
        .isEqualTo(1);
    assertThat(err)
        .as(name)
        .doesNotContain("\tat ")
        .doesNotContain("Exception:")
        .doesNotContain(SECRET);
    assertThat(r.out()).doesNotContain(SECRET);
    assertThat(state()).as(name).isEqualTo(before);
  }

  /** The good database's bytes, the snapshots, and every file name of the folder. */
  private TreeMap<String, String> state() throws Exception {
    TreeMap<String, String> m = new TreeMap<>();
    m.put(
        "db",
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(db))));
    try (var all = Files.walk(dir)) {
      for (Path p : all.toList()) {
        String rel = dir.relativize(p).toString();
        if (!rel.endsWith(".verified.json")) {
          m.put(rel, Files.isDirectory(p) ? "/" : String.valueOf(Files.size(p)));
        }
      }
    }
    return m;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
