package io.expmgr.validate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one check found.
 *
 * @param name the check's name, e.g. {@code foreign_keys}
 * @param status PASS, WARN or FAIL
 * @param issues how many problems it found (rows, metrics, ...); 0 when PASS
 * @param summary one line for people
 * @param details counts by kind, table or foreign key, as the check defines them
 * @param sample a bounded sample of offending rows (column to value)
 * @param messages free-form findings of custom checks, bounded like the sample
 * @param durationMillis how long the check took
 */
public record CheckResult(
    String name,
    Status status,
    long issues,
    String summary,
    Map<String, Object> details,
    List<Map<String, Object>> sample,
    List<String> messages,
    long durationMillis) {

  public CheckResult {
    details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    sample = List.copyOf(sample);
    messages = List.copyOf(messages);
  }

  /** A result with the duration filled in. */
  public CheckResult withDuration(long millis) {
    return new CheckResult(name, status, issues, summary, details, sample, messages, millis);
  }

  /** A passing result with nothing to report. */
  public static CheckResult pass(String name, String summary) {
    return new CheckResult(name, Status.PASS, 0, summary, Map.of(), List.of(), List.of(), 0);
  }
}
