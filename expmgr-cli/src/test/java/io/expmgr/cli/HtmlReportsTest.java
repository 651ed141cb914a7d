package io.expmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.Engine;
import io.expmgr.db.OpenMode;
import io.expmgr.support.TestDatabases;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.htmlunit.MockWebConnection;
import org.htmlunit.WebClient;
import org.htmlunit.html.DomElement;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every HTML report opened in a headless browser, on SQLite and MariaDB: the page loads without a
 * script error and without any request beyond its own file, its figures are those of the JSON the
 * same command writes, and hostile text in the data (a {@code <script>} in a name) stays text.
 */
class HtmlReportsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HOSTILE =
      "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">&amp;\"'";

  @TempDir Path dir;
  private ConnectionConfig config;

  @AfterEach
  void dispose() {
    if (config != null) {
      TestDatabases.dispose(config);
    }
  }

  private String target(Engine engine) {
    config = TestDatabases.fresh(engine, dir, "reports");
    if (engine == Engine.SQLITE) {
      return config.sqlitePath().toString();
    }
    return "mysql://"
        + config.user()
        + ":"
        + URLEncoder.encode(config.password(), StandardCharsets.UTF_8)
        + "@"
        + config.host()
        + ":"
        + config.port()
        + "/"
        + config.database();
  }

  /** A database with orphans, legacy and bad per-label values, and hostile names. */
  private String brokenDatabase(Engine engine) {
    String db = target(engine);
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "-d",
            db,
            "--experiments",
            "2",
            "--trials",
            "2",
            "--epochs",
            "3",
            "--legacy-metrics",
            "4",
            "--orphans",
            "6",
            "--bad-json",
            "3");
    assertThat(g.exitCode()).as(g.err()).isZero();
    Database.open(config, OpenMode.EXISTING)
        .withConnection(
            c -> {
              try (var ps =
                  c.prepareStatement(
                      "UPDATE TRIAL SET name = ? WHERE experiment_id NOT IN (SELECT id FROM"
                          + " EXPERIMENT)")) {
                ps.setString(1, HOSTILE);
                assertThat(ps.executeUpdate()).isPositive();
              }
              try (var ps = c.prepareStatement("UPDATE EXPERIMENT SET title = ?")) {
                ps.setString(1, HOSTILE);
                ps.executeUpdate();
              }
              return null;
            });
    return db;
  }

  /**
   * Opens a page as a browser would, served from an address of its own through a connection that
   * answers every other request with 404 and counts it; fails on a script error.
   */
  private static HtmlPage openAlone(Path file) throws Exception {
    URL url = new URL("http://report.test/" + file.getFileName());
    try (WebClient browser = new WebClient()) {
      browser.getOptions().setThrowExceptionOnScriptError(true);
      browser.getOptions().setThrowExceptionOnFailingStatusCode(false);
      MockWebConnection web = new MockWebConnection();
      web.setResponse(url, Files.readString(file), "text/html");
      web.setDefaultResponse("", 404, "Not Found", "text/plain");
      browser.setWebConnection(web);
      HtmlPage page = browser.getPage(url);
      browser.waitForBackgroundJavaScript(200);
      assertThat(web.getRequestCount()).as("requests beyond the page itself").isEqualTo(1);
      assertThat(page.getElementsByTagName("script").getLength()).isZero();
      assertThat(page.getElementsByTagName("link").getLength()).isZero();
      assertThat(page.getElementsByTagName("iframe").getLength()).isZero();
      assertThat(page.getElementsByTagName("img").getLength()).isZero();
      assertThat(page.executeJavaScript("typeof window.pwned").getJavaScriptResult())
          .isEqualTo("undefined");
      return page;
    }
  }

  private static String text(HtmlPage page, String id) {
    DomElement e = page.getElementById(id);
    assertThat(e).as("element #" + id).isNotNull();
    return e.asNormalizedText().strip();
  }

  private static long number(String shown) {
    return Long.parseLong(shown.replace(",", "").replaceAll("\\s.*", ""));
  }

  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"SQLITE", "MYSQL"})
  void validationPageMatchesItsJsonAndKeepsHostileTextAsText(Engine engine) throws Exception {
    String db = brokenDatabase(engine);
    Path html = dir.resolve("out/validation.html");
    Path json = dir.resolve("validation.json");
    CliRunner.Result v =
        CliRunner.run("validate", "-d", db, "-o", json.toString(), "--html", html.toString());
    assertThat(v.exitCode()).as(v.err()).isEqualTo(ExitCodes.VALIDATION_FAILED);
    assertThat(v.out()).contains("HTML report written to");
    JsonNode report = JSON.readTree(json.toFile());

    HtmlPage page = openAlone(html);
    assertThat(text(page, "overall")).isEqualTo(report.at("/summary/overall_status").asText());
    assertThat(number(text(page, "issues"))).isEqualTo(report.at("/summary/total_issues").asLong());
    assertThat(number(text(page, "failures"))).isEqualTo(report.at("/summary/failures").asLong());
    for (JsonNode check : report.get("checks")) {
      DomElement card = page.getElementById("check-" + check.get("name").asText());
      assertThat(card).as(check.get("name").asText()).isNotNull();
      assertThat(number(card.getAttribute("data-issues"))).isEqualTo(check.get("issues").asLong());
    }
    // The orphan trial's hostile name is shown, as text, in its sample.
    assertThat(page.asNormalizedText()).contains("<script>window.pwned=1</script>");
    // What to do next: the exact commands, with this database.
    assertThat(page.asNormalizedText()).contains("expmgr cleanup-orphans -d");
    assertThat(page.asNormalizedText()).contains("legacy_to_per_label");

    // check-hierarchy writes the same kind of page.
    Path hierarchy = dir.resolve("hierarchy.html");
    CliRunner.Result h =
        CliRunner.run("check-hierarchy", "-d", db, "--html", hierarchy.toString(), "--json");
    assertThat(h.exitCode()).as(h.err()).isIn(ExitCodes.OK, ExitCodes.VALIDATION_FAILED);
    HtmlPage hp = openAlone(hierarchy);
    assertThat(text(hp, "overall"))
        .isEqualTo(JSON.readTree(h.out()).at("/summary/overall_status").asText());

    // A page that exists is not replaced without --overwrite, and nothing else is written.
    long before = Files.size(html);
    CliRunner.Result again = CliRunner.run("validate", "-d", db, "--html", html.toString());
    assertThat(again.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(again.err()).contains("--overwrite");
    assertThat(Files.size(html)).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"SQLITE", "MYSQL"})
  void cleanupDryRunPageMatchesItsJsonAndChangesNothing(Engine engine) throws Exception {
    String db = brokenDatabase(engine);
    Path html = dir.resolve("cleanup.html");
    CliRunner.Result r =
        CliRunner.run(
            "cleanup-orphans", "-d", db, "--dry-run", "--json", "--html", html.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode dry = JSON.readTree(r.out());
    HtmlPage page = openAlone(html);
    assertThat(number(text(page, "total"))).isEqualTo(dry.get("total_deleted").asLong());
    assertThat(page.asNormalizedText()).contains("<script>window.pwned=1</script>");
    // Still there: a dry run.
    CliRunner.Result again = CliRunner.run("cleanup-orphans", "-d", db, "--dry-run", "--json");
    assertThat(JSON.readTree(again.out()).get("total_deleted").asLong())
        .isEqualTo(dry.get("total_deleted").asLong());
    // --html is a dry run's page: refused with a real cleanup, before anything is removed.
    CliRunner.Result real =
        CliRunner.run(
            "cleanup-orphans", "-d", db, "--yes", "--html", dir.resolve("x.html").toString());
    assertThat(real.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(real.err()).contains("--dry-run");
    assertThat(dir.resolve("x.html")).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"SQLITE", "MYSQL"})
  void migrationRunAndRunListPagesMatchTheRecordedRuns(Engine engine) throws Exception {
    String db = brokenDatabase(engine);
    Path rules = dir.resolve("rules.json");
    Files.writeString(
        rules,
        "{\"metric_transformations\": [{\"metric_type\": \"*\","
            + " \"transformation\": \"scale\", \"rules\": {\"factor\": 0.5}}],"
            + " \"global_settings\": {\"backup_original\": true}}");
    Path report = dir.resolve("transform.html");
    CliRunner.Result t =
        CliRunner.run(
            "transform-metrics",
            "-d",
            db,
            "--transformation-file",
            rules.toString(),
            "--batch-size",
            "20",
            "--no-snapshot",
            "--report",
            report.toString());
    assertThat(t.exitCode()).as(t.err() + t.out()).isIn(ExitCodes.OK, ExitCodes.VALIDATION_FAILED);
    JsonNode runs = JSON.readTree(CliRunner.run("list-migrations", "-d", db, "--json").out());
    JsonNode run = runs.get(0);
    HtmlPage page = openAlone(report);
    assertThat(number(text(page, "fact-run"))).isEqualTo(run.get("run_id").asLong());
    assertThat(number(text(page, "fact-changed"))).isEqualTo(run.get("changed").asLong());
    assertThat(number(text(page, "fact-batches"))).isEqualTo(run.get("batches").asLong());
    // Items, rate and batch time over the run, and the loss values before and after.
    assertThat(page.getElementsByTagName("svg").getLength()).isGreaterThanOrEqualTo(4);
    assertThat(page.querySelectorAll("figure.histogram")).isNotEmpty();
    // The planted bad per-label values cannot be scaled: listed with their ids and reasons.
    assertThat(run.get("failed").asLong()).isPositive();
    assertThat(page.asNormalizedText()).contains("per_label_val is not valid JSON");

    Path list = dir.resolve("runs.html");
    CliRunner.Result l = CliRunner.run("list-migrations", "-d", db, "--html", list.toString());
    assertThat(l.exitCode()).as(l.err()).isZero();
    HtmlPage lp = openAlone(list);
    assertThat(lp.querySelectorAll("tr.run")).hasSize(runs.size());
    assertThat(lp.asNormalizedText()).contains(run.get("state").asText());
    assertThat(lp.querySelectorAll("table.sample tbody tr"))
        .hasSize((int) Math.min(25, run.get("failed").asLong()));
  }

  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"SQLITE", "MYSQL"})
  void snapshotAndSchemaPagesMatchTheirJson(Engine engine) throws Exception {
    String db = brokenDatabase(engine);
    Path snaps = dir.resolve("snaps");
    for (String tag : List.of("daily", "milestone")) {
      CliRunner.Result s =
          CliRunner.run(
              "create-snapshot",
              "-d",
              db,
              "--snapshot-dir",
              snaps.toString(),
              "--tag",
              tag,
              "--description",
              HOSTILE);
      assertThat(s.exitCode()).as(s.err()).isZero();
    }
    Path html = dir.resolve("snapshots.html");
    CliRunner.Result l =
        CliRunner.run(
            "list-snapshots",
            "-d",
            db,
            "--snapshot-dir",
            snaps.toString(),
            "--json",
            "--html",
            html.toString());
    assertThat(l.exitCode()).as(l.err()).isZero();
    JsonNode list = JSON.readTree(l.out());
    HtmlPage page = openAlone(html);
    assertThat(number(text(page, "count"))).isEqualTo(list.size());
    assertThat(page.querySelectorAll("tr.snapshot")).hasSize(list.size());
    assertThat(page.asNormalizedText()).contains("<script>window.pwned=1</script>");
    assertThat(page.querySelectorAll("td.retention.kept")).hasSize(list.size());
    assertThat(page.asNormalizedText()).contains("milestone");

    // A page that cannot be written is an error in one line, and nothing is left behind.
    CliRunner.Result nowhere =
        CliRunner.run(
            "list-snapshots",
            "-d",
            db,
            "--snapshot-dir",
            snaps.toString(),
            "--html",
            "/proc/report.html");
    assertThat(nowhere.exitCode()).isEqualTo(ExitCodes.FILE_SYSTEM);
    assertThat(nowhere.err().strip())
        .isEqualTo("error: cannot write /proc/report.html: no file can be made there");

    Path schema = dir.resolve("schema.html");
    CliRunner.Result s =
        CliRunner.run("schema", "status", "-d", db, "--json", "--html", schema.toString());
    assertThat(s.exitCode()).as(s.err()).isZero();
    JsonNode status = JSON.readTree(s.out());
    HtmlPage sp = openAlone(schema);
    assertThat(text(sp, "fact-version")).startsWith(status.get("version").asText());
    int pending = 0;
    for (JsonNode changes : status.get("pending")) {
      pending += changes.size();
    }
    assertThat(sp.querySelectorAll("tr.step")).hasSize(pending);
    assertThat(sp.querySelectorAll("tr.table")).isNotEmpty();
  }

  /**
   * The page's size does not grow with the database: samples are cut to a few rows and long values
   * in the middle. A report that kept 2,000 rows per check stays under 512 KiB.
   */
  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"SQLITE"})
  void aPageStaysSmallHoweverLargeTheSample(Engine engine) throws Exception {
    String db = target(engine);
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "-d",
            db,
            "--experiments",
            "3",
            "--epochs",
            "5",
            "--legacy-metrics",
            "200",
            "--orphans",
            "600",
            "--bad-json",
            "100");
    assertThat(g.exitCode()).as(g.err()).isZero();
    Database.open(config, OpenMode.EXISTING)
        .withConnection(
            c -> {
              try (var ps = c.prepareStatement("UPDATE TRIAL SET name = ?")) {
                ps.setString(1, "x".repeat(100_000));
                ps.executeUpdate();
              }
              return null;
            });
    Path html = dir.resolve("big.html");
    Path json = dir.resolve("big.json");
    CliRunner.Result v =
        CliRunner.run(
            "validate",
            "-d",
            db,
            "--sample-size",
            "2000",
            "-o",
            json.toString(),
            "--html",
            html.toString());
    assertThat(v.exitCode()).as(v.err()).isEqualTo(ExitCodes.VALIDATION_FAILED);
    assertThat(Files.size(json)).isGreaterThan(Files.size(html));
    assertThat(Files.size(html)).isLessThan(512 * 1024);
    HtmlPage page = openAlone(html);
    assertThat(page.asNormalizedText()).contains("first 25 of the");
  }
}
