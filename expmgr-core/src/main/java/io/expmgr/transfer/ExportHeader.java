package io.expmgr.transfer;

import static io.expmgr.transfer.ImportErrors.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an export's {@code format_version} and {@code metadata} declare, read and checked before any
 * row: the source, the counts and id ranges the import is verified against, and the checksum.
 */
final class ExportHeader {
  int version;
  String sourceEngine;
  String sourceIdentity;
  long sourceExperimentId;
  String sha;
  final Map<String, Long> counts = new LinkedHashMap<>();
  final Map<String, long[]> ranges = new HashMap<>();

  private ExportHeader() {}

  long total() {
    return ExportFormat.totalRows(counts);
  }

  /** Reads the header from the start of a document; the parser stops after the metadata. */
  static ExportHeader read(JsonParser p, String name) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw invalid(p, name, "not an expmgr export: the document must be a JSON object");
    }
    Integer version = null;
    ExportHeader h = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if (field.equals(ExportFormat.FORMAT_VERSION_FIELD)) {
        if (!p.currentToken().isNumeric()) {
          throw invalid(p, name, "format_version must be a number");
        }
        version = p.getIntValue();
        if (version != ExportFormat.FORMAT_VERSION && version != ExportFormat.FORMAT_VERSION_1) {
          throw invalid(
              p,
              name,
              "unknown format_version "
                  + p.getText()
                  + ": this expmgr reads versions 1 and "
                  + ExportFormat.FORMAT_VERSION);
        }
      } else if (field.equals(ExportFormat.METADATA)) {
        if (version == null) {
          throw invalid(p, name, "format_version must come before metadata");
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
          throw invalid(p, name, "metadata must be an object");
        }
        JsonNode meta = p.readValueAsTree();
        h = metadata(meta, p, name);
        h.version = version;
        break;
      } else {
        throw invalid(
            p,
            name,
            "'"
                + field
                + "' comes before format_version and metadata, which an expmgr export starts"
                + " with (is this an expmgr export?)");
      }
    }
    if (h == null) {
      throw invalid(p, name, "no metadata: not an expmgr export, or it is truncated");
    }
    return h;
  }

  private static ExportHeader metadata(JsonNode meta, JsonParser p, String name) {
    ExportHeader h = new ExportHeader();
    JsonNode source = meta.path("source");
    h.sourceEngine = source.path("engine").asText("");
    h.sourceIdentity = requiredText(source.path("identity"), "metadata.source.identity", p, name);
    h.sourceExperimentId =
        requiredLong(meta.path("source_experiment_id"), "metadata.source_experiment_id", p, name);
    h.sha =
        requiredText(meta.path(ExportFormat.CONTENT_SHA256), "metadata.content_sha256", p, name);
    if (!h.sha.matches("[0-9a-f]{64}")) {
      throw invalid(p, name, "metadata.content_sha256 is not a SHA-256 in hex");
    }
    JsonNode counts = meta.path("counts");
    if (!counts.isObject()) {
      throw invalid(p, name, "metadata.counts is missing");
    }
    for (String kind : ExportFormat.COUNT_KINDS) {
      if (ExportFormat.OPTIONAL_COUNTS.contains(kind) && counts.path(kind).isMissingNode()) {
        h.counts.put(kind, 0L);
        continue;
      }
      h.counts.put(kind, requiredLong(counts.path(kind), "metadata.counts." + kind, p, name));
    }
    JsonNode ranges = meta.path("id_ranges");
    for (String kind : ExportFormat.ID_KINDS) {
      JsonNode r = ranges.path(kind);
      if (r.isMissingNode() || r.isNull()) {
        continue;
      }
      if (!r.isArray()
          || r.size() != 2
          || !r.get(0).canConvertToLong()
          || !r.get(1).isIntegralNumber()) {
        throw invalid(p, name, "metadata.id_ranges." + kind + " must be [min, max]");
      }
      long min = r.get(0).asLong();
      long max = r.get(1).asLong();
      if (min > max || min < 0) {
        throw invalid(p, name, "metadata.id_ranges." + kind + " is not a range: " + r);
      }
      h.ranges.put(kind, new long[] {min, max});
    }
    if (h.counts.get("experiments") != 1) {
      throw invalid(p, name, "metadata.counts.experiments must be 1");
    }
    return h;
  }

  private static String requiredText(JsonNode n, String field, JsonParser p, String name) {
    if (!n.isTextual() || n.asText().isBlank()) {
      throw invalid(p, name, field + " is missing or not a string");
    }
    return n.asText();
  }

  private static long requiredLong(JsonNode n, String field, JsonParser p, String name) {
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
      throw invalid(p, name, field + " is missing or not a non-negative integer");
    }
    return n.asLong();
  }
}
