package io.expmgr.cli.html;

import io.expmgr.snapshot.PruneResult;
import io.expmgr.snapshot.SnapshotInfo;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The page of {@code list-snapshots --html}: the snapshots on a timeline with their sizes, a row
 * per snapshot with what the retention policy would do with it and why, damaged ones marked.
 */
public record SnapshotsPage(
    String title,
    String subtitle,
    String status,
    String totalSize,
    int count,
    int damaged,
    int wouldRemove,
    List<Dot> timeline,
    List<Charts.Tick> ticks,
    List<Row> rows) {

  /** A snapshot on the timeline. */
  public record Dot(double x, double y, double r, String tone, String title) {}

  /** A snapshot's row. */
  public record Row(
      String id,
      String created,
      String status,
      String statusClass,
      String rows,
      String size,
      String schema,
      String format,
      String tags,
      String description,
      String retention,
      String retentionClass) {}

  /**
   * The page of a folder's snapshots, newest first.
   *
   * @param status a snapshot's status as list-snapshots prints it
   * @param plan what the policy would keep (with reasons) and remove, or null
   */
  public static SnapshotsPage of(
      String directory,
      List<SnapshotInfo> all,
      Function<SnapshotInfo, String> status,
      PruneResult plan,
      String policy) {
    List<Row> rows = new ArrayList<>();
    long total = 0;
    int damaged = 0;
    for (SnapshotInfo s : all) {
      total += s.sizeBytes();
      String st = status.apply(s);
      boolean bad = s.isDamaged() || st.startsWith("DAMAGED");
      damaged += bad ? 1 : 0;
      String retention;
      String retentionClass;
      List<String> why = plan == null ? null : reasons(plan.kept(), s);
      if (plan == null) {
        retention = "";
        retentionClass = "";
      } else if (why != null) {
        retention = "kept: " + String.join(", ", why);
        retentionClass = "kept";
      } else {
        retention = "would be removed";
        retentionClass = "removed";
      }
      rows.add(
          new Row(
              s.id(),
              s.createdAt() == null
                  ? "?"
                  : s.createdAt().toLocalDateTime().withNano(0).toString().replace('T', ' '),
              st,
              bad ? "DAMAGED" : st.startsWith("OK") ? "ok" : "unchecked",
              HtmlReports.count(s.totalRows()),
              HtmlReports.bytes(s.sizeBytes()),
              s.schemaVersion() == null ? "?" : s.schemaVersion(),
              s.format() == null ? "?" : s.format(),
              String.join(", ", s.tags()),
              HtmlReports.cell(s.description()),
              retention,
              retentionClass));
    }
    int removed = plan == null ? 0 : plan.removed().size();
    List<Charts.Tick> ticks = new ArrayList<>();
    List<Dot> dots = timeline(all, plan, ticks);
    return new SnapshotsPage(
        "Snapshots in " + directory,
        all.size()
            + " snapshots, newest first."
            + (plan == null
                ? ""
                : " Retention as " + policy + " would apply it (nothing removed)."),
        all.isEmpty() ? null : damaged > 0 ? "DAMAGED" : "ok",
        HtmlReports.bytes(total),
        all.size(),
        damaged,
        removed,
        dots,
        ticks,
        rows);
  }

  private static List<String> reasons(Map<SnapshotInfo, List<String>> kept, SnapshotInfo s) {
    for (var e : kept.entrySet()) {
      if (e.getKey().id().equals(s.id())) {
        return e.getValue();
      }
    }
    return null;
  }

  private static List<Dot> timeline(
      List<SnapshotInfo> all, PruneResult plan, List<Charts.Tick> ticks) {
    List<SnapshotInfo> dated = all.stream().filter(s -> s.createdAt() != null).toList();
    if (dated.isEmpty()) {
      return List.of();
    }
    OffsetDateTime first = dated.get(dated.size() - 1).createdAt();
    OffsetDateTime last = dated.get(0).createdAt();
    double span = Math.max(1, java.time.Duration.between(first, last).toSeconds());
    long maxSize = Math.max(1, dated.stream().mapToLong(SnapshotInfo::sizeBytes).max().orElse(1));
    List<Dot> dots = new ArrayList<>();
    for (SnapshotInfo s : dated) {
      double x = 30 + 580 * java.time.Duration.between(first, s.createdAt()).toSeconds() / span;
      double r = 3 + 12 * Math.sqrt((double) s.sizeBytes() / maxSize);
      String tone =
          s.isDamaged()
              ? "fail"
              : plan != null && reasons(plan.kept(), s) == null ? "zero" : "pass";
      dots.add(
          new Dot(
              x,
              40,
              r,
              tone,
              s.id()
                  + ": "
                  + HtmlReports.bytes(s.sizeBytes())
                  + ", "
                  + HtmlReports.count(s.totalRows())
                  + " rows"
                  + (s.isDamaged() ? ", damaged" : "")));
    }
    ticks.add(new Charts.Tick(30, first.toLocalDate().toString()));
    ticks.add(new Charts.Tick(610, last.toLocalDate().toString()));
    return dots;
  }
}
