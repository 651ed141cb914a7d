package io.expmgr.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.expmgr.internal.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The JSON form of a {@link ValidationReport}. */
public final class ReportJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReportJson() {}

  /** The report as a JSON tree. */
  public static ObjectNode toJson(ValidationReport r) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode summary = root.putObject("summary");
    summary.put("overall_status", r.overallStatus().name());
    summary.put("checks_run", r.checks().size());
    summary.put("passed", r.count(Status.PASS));
    summary.put("warnings", r.count(Status.WARN));
    summary.put("failures", r.count(Status.FAIL));
    summary.put("total_issues", r.totalIssues());
    summary.put("duration_ms", r.durationMillis());
    ObjectNode db = root.putObject("database");
    db.put("identity", r.database());
    db.put("engine", r.engine());
    db.put("schema_version", r.schemaVersion());
    root.put("generated_at", r.generatedAt().toString());
    if (r.experimentId().isPresent()) {
      root.put("experiment_id", r.experimentId().getAsLong());
    }
    ObjectNode fk = root.putObject("foreign_key_violations");
    r.check(ForeignKeyCheck.NAME)
        .ifPresent(c -> fk.setAll(JSON.<ObjectNode>valueToTree(c.details())));
    for (CheckResult c : r.checks()) {
      if (!c.name().equals(ForeignKeyCheck.NAME)) {
        ObjectNode section = root.putObject(c.name());
        section.put("status", c.status().name());
        section.put("issues", c.issues());
        section.setAll(JSON.<ObjectNode>valueToTree(c.details()));
        section.set("sample", JSON.valueToTree(c.sample()));
        if (!c.messages().isEmpty()) {
          section.set("messages", JSON.valueToTree(c.messages()));
        }
      }
    }
    var checks = root.putArray("checks");
    for (CheckResult c : r.checks()) {
      ObjectNode n = checks.addObject();
      n.put("name", c.name());
      n.put("status", c.status().name());
      n.put("issues", c.issues());
      n.put("summary", c.summary());
      n.put("duration_ms", c.durationMillis());
    }
    return root;
  }

  public static String toString(ValidationReport r) {
    try {
      return JSON.writeValueAsString(toJson(r));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the report atomically: readers never see half a file. */
  public static void write(ValidationReport r, Path file) {
    AtomicFiles.write(file, (toString(r) + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
