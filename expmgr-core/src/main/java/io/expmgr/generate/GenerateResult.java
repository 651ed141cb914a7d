package io.expmgr.generate;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link DataGenerator} wrote.
 *
 * @param database identity of the database written to
 * @param experimentIds ids of the experiments created
 * @param rowsPerTable rows written per table, planted rows included
 * @param orphansPerTable planted rows whose parent is missing, per table
 * @param legacyPerKind planted legacy per-label values, per form ({@code array}, {@code
 *     prefixed_keys})
 * @param badJsonPerKind planted bad per-label values, per kind ({@code invalid_json}, {@code
 *     not_object}, {@code string_value}, {@code nested_value}, {@code non_finite})
 * @param elapsed wall time
 */
public record GenerateResult(
    String database,
    List<Long> experimentIds,
    Map<String, Long> rowsPerTable,
    Map<String, Long> orphansPerTable,
    Map<String, Long> legacyPerKind,
    Map<String, Long> badJsonPerKind,
    Duration elapsed) {

  public GenerateResult {
    experimentIds = List.copyOf(experimentIds);
    rowsPerTable = Map.copyOf(rowsPerTable);
    orphansPerTable = Map.copyOf(orphansPerTable);
    legacyPerKind = Map.copyOf(legacyPerKind);
    badJsonPerKind = Map.copyOf(badJsonPerKind);
  }

  public long totalRows() {
    return rowsPerTable.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Rows per second of wall time. */
  public double rowsPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s <= 0 ? 0 : totalRows() / s;
  }
}
