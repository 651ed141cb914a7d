package io.expmgr.db;

import java.util.List;

/**
 * A foreign key of the schema model, possibly composite: {@code columns} of the child table refer
 * to {@code parentColumns} of {@code parentTable}, position by position.
 */
public record ForeignKey(List<String> columns, String parentTable, List<String> parentColumns) {
  public ForeignKey {
    columns = List.copyOf(columns);
    parentColumns = List.copyOf(parentColumns);
    if (columns.isEmpty() || columns.size() != parentColumns.size()) {
      throw new IllegalArgumentException("foreign key columns and parent columns must pair up");
    }
  }

  public static ForeignKey of(String column, String parentTable, String parentColumn) {
    return new ForeignKey(List.of(column), parentTable, List.of(parentColumn));
  }

  /**
   * A short readable form, e.g. {@code (epoch_idx, epoch_trial_run_id) -> EPOCH(idx,
   * trial_run_id)}.
   */
  public String describe() {
    return "("
        + String.join(", ", columns)
        + ") -> "
        + parentTable
        + "("
        + String.join(", ", parentColumns)
        + ")";
  }
}
