package io.expmgr.validate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.expmgr.DataAccessException;
import io.expmgr.db.Database;
import io.expmgr.db.Dialect;
import io.expmgr.internal.DaemonThreads;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * {@code METRIC.per_label_val} must be a JSON object whose values are finite numbers. Streams the
 * column once, split by id range over the available cores, keeping only counts per kind and a
 * bounded sample: memory stays flat whatever the table size.
 */
public final class PerLabelValueCheck implements ValidationCheck {
  public static final String NAME = "per_label_val";

  /** The kinds of bad value, in the order the report lists them. */
  public static final List<String> KINDS =
      List.of(
          "invalid_json",
          "legacy_array",
          "not_object",
          "nested_value",
          "string_value",
          "non_numeric",
          "non_finite");

  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ValidationContext context) {
    Database db = context.database();
    Dialect d = db.dialect();
    long[] range =
        db.withConnection(
            c -> {
              try (var st = c.createStatement();
                  ResultSet rs = st.executeQuery(io.expmgr.db.Sql.minAndMax("METRIC", "id", d))) {
                rs.next();
                long lo = rs.getLong(1);
                return rs.wasNull() ? null : new long[] {lo, rs.getLong(2)};
              }
            });
    if (range == null) {
      return CheckResult.pass(NAME, "no metrics");
    }
    int parts = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    long span = range[1] - range[0] + 1;
    List<Tally> tallies = new ArrayList<>();
    ExecutorService pool = DaemonThreads.pool("per-label-scan", parts);
    try {
      List<Future<Tally>> futures = new ArrayList<>();
      for (int i = 0; i < parts; i++) {
        long lo = range[0] + span * i / parts;
        long hi = range[0] + span * (i + 1) / parts - 1;
        futures.add(pool.submit(() -> scan(db, lo, hi, context.sampleSize())));
      }
      for (Future<Tally> f : futures) {
        tallies.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataAccessException("per_label_val check interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new DataAccessException(String.valueOf(e.getCause()), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    Tally all = new Tally(context.sampleSize());
    tallies.forEach(all::merge);
    fillTypes(db, all.sample);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("checked", all.checked);
    details.put("null_values", all.nulls);
    for (String kind : KINDS) {
      details.put(kind, all.kinds.getOrDefault(kind, 0L));
    }
    long bad = all.kinds.values().stream().mapToLong(Long::longValue).sum();
    if (bad == 0) {
      return new CheckResult(
          NAME,
          Status.PASS,
          0,
          all.checked + " values are objects of finite numbers",
          details,
          List.of(),
          List.of(),
          0);
    }
    return new CheckResult(
        NAME,
        Status.FAIL,
        bad,
        bad + " of " + all.checked + " per-label values are not objects of finite numbers",
        details,
        all.sample,
        List.of(),
        0);
  }

  private static void fillTypes(Database db, List<Map<String, Object>> sample) {
    Dialect d = db.dialect();
    String sql =
        "SELECT "
            + d.quote("type")
            + " FROM "
            + d.quote("METRIC")
            + " WHERE "
            + d.quote("id")
            + " = ?";
    db.withConnection(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Map<String, Object> row : sample) {
              ps.setLong(1, (Long) row.get("metric_id"));
              try (ResultSet rs = ps.executeQuery()) {
                row.put("type", rs.next() ? rs.getString(1) : null);
              }
            }
          }
          return null;
        });
  }

  private static Tally scan(Database db, long lo, long hi, int sampleSize) {
    Dialect d = db.dialect();
    String sql =
        "SELECT "
            + d.quote("id")
            + ", "
            + d.quote("per_label_val")
            + " FROM "
            + d.quote("METRIC")
            + " WHERE "
            + d.quote("id")
            + " BETWEEN ? AND ?";
    Tally tally = new Tally(sampleSize);
    try (Connection c = db.connect();
        PreparedStatement ps = d.prepareStreaming(c, sql)) {
      ps.setLong(1, lo);
      ps.setLong(2, hi);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byte[] raw = rs.getBytes(2);
          tally.checked++;
          if (raw == null) {
            tally.nulls++;
            continue;
          }
          if (FlatJson.isObjectOfFiniteNumbers(raw)) {
            continue;
          }
          String value = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
          String kind = classify(value);
          if (kind != null) {
            tally.add(kind, rs.getLong(1), value);
          }
        }
      }
    } catch (java.sql.SQLException e) {
      throw new DataAccessException(db.describe(e), e);
    }
    return tally;
  }

  /**
   * The kind of problem of a per-label value, or null when it is a JSON object of finite numbers. A
   * syntax error anywhere wins over other problems.
   */
  /**
   * Whether a JSON float is finite as a double. Only an exponent, a very long number or a
   * non-number token (NaN, Infinity) can fail, so plain decimals need no conversion.
   */
  private static boolean finite(JsonParser p) throws java.io.IOException {
    String t = p.getText();
    if (t.length() < 300) {
      boolean plain = true;
      for (int i = 0; i < t.length() && plain; i++) {
        char ch = t.charAt(i);
        plain = (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
      }
      if (plain) {
        return true;
      }
    }
    return Double.isFinite(p.getDoubleValue());
  }

  public static String classify(String text) {
    String problem = null;
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return "invalid_json";
      }
      if (first != JsonToken.START_OBJECT) {
        // A JSON array is the legacy per-label form (transform-metrics legacy_to_per_label).
        problem = first == JsonToken.START_ARRAY ? "legacy_array" : "not_object";
        p.skipChildren();
      } else {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          JsonToken v = p.nextToken();
          String kind =
              switch (v) {
                case VALUE_NUMBER_INT -> null;
                case VALUE_NUMBER_FLOAT -> finite(p) ? null : "non_finite";
                case VALUE_STRING -> "string_value";
                case START_OBJECT, START_ARRAY -> "nested_value";
                default -> "non_numeric";
              };
          if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            p.skipChildren();
          }
          if (problem == null) {
            problem = kind;
          }
        }
        if (t != JsonToken.END_OBJECT) {
          return "invalid_json";
        }
      }
      if (p.nextToken() != null) {
        return "invalid_json";
      }
      return problem;
    } catch (JsonProcessingException e) {
      return "invalid_json";
    } catch (IOException e) {
      return "invalid_json";
    }
  }

  /** Counts per kind and a bounded sample, for one range or merged. */
  private static final class Tally {
    final int sampleSize;
    long checked;
    long nulls;
    final Map<String, Long> kinds = new LinkedHashMap<>();
    final List<Map<String, Object>> sample = new ArrayList<>();

    Tally(int sampleSize) {
      this.sampleSize = sampleSize;
    }

    void add(String kind, long id, String value) {
      kinds.merge(kind, 1L, Long::sum);
      if (sample.size() < sampleSize) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("metric_id", id);
        row.put("type", null); // looked up for the sampled rows only, at the end
        row.put("kind", kind);
        row.put("per_label_val", value.length() > 200 ? value.substring(0, 200) + "..." : value);
        sample.add(row);
      }
    }

    void merge(Tally other) {
      checked += other.checked;
      nulls += other.nulls;
      other.kinds.forEach((k, v) -> kinds.merge(k, v, Long::sum));
      for (Map<String, Object> row : other.sample) {
        if (sample.size() < sampleSize) {
          sample.add(row);
        }
      }
    }
  }
}
