package io.expmgr.cli.html;

import io.expmgr.validate.CleanupResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The page of {@code cleanup-orphans --dry-run --html}: what would be removed, per table, with
 * samples and the command that removes it.
 */
public record CleanupPage(
    String title,
    String database,
    String status,
    String total,
    int passes,
    String duration,
    Charts.BarChart perTable,
    List<Samples> samples,
    String command) {

  /** The page of a dry run; {@code target} is how commands name the database. */
  public static CleanupPage of(CleanupResult r, String target) {
    List<String> labels = new ArrayList<>(r.deleted().keySet());
    Charts.BarChart chart =
        labels.isEmpty()
            ? null
            : Charts.bars(
                "Rows that would be removed, per table",
                labels,
                labels.stream().map(r.deleted()::get).toList(),
                "fail");
    List<Samples> samples = new ArrayList<>();
    r.sample().forEach((table, rows) -> samples.add(Samples.of(table, rows)));
    return new CleanupPage(
        "Orphans in " + r.database(),
        r.database(),
        r.totalDeleted() == 0 ? "PASS" : "WARN",
        HtmlReports.count(r.totalDeleted()),
        r.passes(),
        HtmlReports.millis(r.durationMillis()),
        chart,
        samples,
        r.totalDeleted() == 0 ? null : "expmgr cleanup-orphans " + target);
  }
}
