package io.expmgr.cli.html;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Sample rows as a table a page shows: bounded in rows and in characters per value. */
public record Samples(String caption, List<String> columns, List<List<String>> rows, int kept) {
  /** The rows kept of {@code sample}, the first {@link HtmlReports#SAMPLE_ROWS} of them shown. */
  public static Samples of(String caption, List<Map<String, Object>> sample) {
    Set<String> columns = new LinkedHashSet<>();
    int shown = Math.min(sample.size(), HtmlReports.SAMPLE_ROWS);
    for (int i = 0; i < shown; i++) {
      columns.addAll(sample.get(i).keySet());
    }
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < shown; i++) {
      List<String> row = new ArrayList<>();
      for (String c : columns) {
        row.add(HtmlReports.cell(sample.get(i).get(c)));
      }
      rows.add(row);
    }
    return new Samples(caption, List.copyOf(columns), rows, sample.size());
  }

  /** Whether the page shows fewer rows than the report kept. */
  public boolean cut() {
    return rows.size() < kept;
  }
}
