package io.expmgr.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.expmgr.InvalidInputException;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention with restic's rules, on snapshot folders with chosen times. */
class PruneTest {
  private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");
  private static final LocalDateTime NOW = LocalDateTime.of(2026, 11, 25, 18, 0);

  @TempDir Path dir;
  private SnapshotManager manager;

  @BeforeEach
  void setUp() throws Exception {
    manager =
        new SnapshotManager(
            Database.unopened(ConnectionConfig.sqlite(dir.resolve("x.db"))), dir.resolve("snaps"));
    // Daily at noon for 60 days, a second one today at 18:00, a tagged milestone 100 days ago.
    for (int day = 0; day < 60; day++) {
      fake(NOW.toLocalDate().minusDays(day).atTime(12, 0), List.of());
    }
    fake(NOW, List.of());
    fake(NOW.toLocalDate().minusDays(100).atTime(9, 0), List.of("milestone"));
  }

  private void fake(LocalDateTime at, List<String> tags) throws Exception {
    fake("snaps", at, tags, "fake");
  }

  private void fake(String where, LocalDateTime at, List<String> tags, String description)
      throws Exception {
    String id = at.format(ID);
    Path folder = Files.createDirectories(dir.resolve(where).resolve(id));
    Files.write(folder.resolve("data.db"), new byte[] {1, 2, 3});
    Map<String, Object> m =
        Map.of(
            "id",
            id,
            "created_at",
            at.atZone(ZoneId.systemDefault()).toOffsetDateTime().toString(),
            "description",
            description,
            "tags",
            tags,
            "size_bytes",
            3,
            "row_counts",
            Map.of("EXPERIMENT", 1),
            "source",
            Map.of("engine", "sqlite", "identity", "sqlite:/x.db"));
    new ObjectMapper().writeValue(folder.resolve("manifest.json").toFile(), m);
  }

  private static String id(LocalDateTime at) {
    return at.format(ID);
  }

  @Test
  void keepsExactlyWhatResticsRulesKeep() {
    PruneResult r = manager.prune(new RetentionPolicy(2, 7, 4, 3, List.of("milestone")), false);

    Set<String> expected = new TreeSet<>();
    expected.add(id(NOW)); // last 1, daily, weekly, monthly: newest of today, this week, this month
    expected.add(id(NOW.withHour(12))); // last 2
    for (int day = 1; day < 7; day++) {
      expected.add(id(NOW.toLocalDate().minusDays(day).atTime(12, 0))); // daily 2..7
    }
    // Weekly: the newest of the 3 ISO weeks before this one (weeks start on Monday 2026-11-23).
    expected.add(id(LocalDateTime.of(2026, 11, 22, 12, 0)));
    expected.add(id(LocalDateTime.of(2026, 11, 15, 12, 0)));
    expected.add(id(LocalDateTime.of(2026, 11, 8, 12, 0)));
    // Monthly: the newest of October and of September.
    expected.add(id(LocalDateTime.of(2026, 10, 31, 12, 0)));
    expected.add(id(LocalDateTime.of(2026, 9, 30, 12, 0)));
    expected.add(id(NOW.toLocalDate().minusDays(100).atTime(9, 0))); // tag milestone

    Set<String> kept = new TreeSet<>();
    r.kept().keySet().forEach(s -> kept.add(s.id()));
    assertThat(kept).isEqualTo(expected);
    assertThat(r.removed()).hasSize(62 - expected.size());
    Set<String> left = new TreeSet<>();
    manager.listSnapshots().forEach(s -> left.add(s.id()));
    assertThat(left).isEqualTo(expected);
    var newest =
        r.kept().entrySet().stream()
            .filter(e -> e.getKey().id().equals(id(NOW)))
            .findFirst()
            .orElseThrow();
    assertThat(newest.getValue())
        .contains("last 1", "daily 2026-11-25", "monthly 2026-11")
        .anyMatch(w -> w.startsWith("weekly"));
  }

  @Test
  void aDryRunRemovesNothingAndDamagedSnapshotsAreKept() throws Exception {
    Path damaged = Files.createDirectories(dir.resolve("snaps").resolve("20200101_000000"));
    Files.writeString(damaged.resolve("manifest.json"), "{ not json");
    PruneResult r = manager.prune(new RetentionPolicy(1, 0, 0, 0, List.of()), true);
    assertThat(r.removed()).hasSize(61);
    assertThat(manager.listSnapshots()).hasSize(63);
    assertThat(r.kept().values()).anyMatch(why -> why.get(0).startsWith("damaged"));
  }

  @Test
  void anEmptyPolicyIsRefused() {
    assertThatThrownBy(() -> new RetentionPolicy(0, 0, 0, 0, new ArrayList<>()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("empty policy");
    assertThatThrownBy(() -> new RetentionPolicy(-1, 0, 0, 0, List.of()))
        .hasMessageContaining("--keep-last");
  }

  @Test
  void theFaqPolicyKeepsEachSnapshotByItsKindAndAge() throws Exception {
    LocalDateTime today = NOW.withHour(0);
    // Six of one day: the FAQ keeps all six (two have no known kind; one is a milestone
    // by its description only).
    String[] todays = {
      "daily backup", "Weekly backup", "pre-migration", "milestone: paper submitted", "MONTHLY", ""
    };
    Set<String> expectedKept = new TreeSet<>();
    for (int i = 0; i < todays.length; i++) {
      LocalDateTime at = today.plusHours(1 + i);
      fake("faq", at, List.of(), todays[i]);
      expectedKept.add(id(at));
    }
    Set<String> expectedRemoved = new TreeSet<>();
    java.util.function.BiConsumer<Integer, Boolean> daily =
        (days, kept) -> {
          try {
            LocalDateTime at = NOW.minusDays(days).minusMinutes(kept ? -1 : 1);
            fake("faq", at, List.of(), "Daily backup " + days);
            (kept ? expectedKept : expectedRemoved).add(id(at));
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        };
    daily.accept(30, true);
    daily.accept(30, false);
    LocalDateTime weeklyKept = NOW.minusDays(83);
    fake("faq", weeklyKept, List.of("weekly"), "x");
    expectedKept.add(id(weeklyKept));
    LocalDateTime weeklyGone = NOW.minusDays(85);
    fake("faq", weeklyGone, List.of("Weekly"), "x");
    expectedRemoved.add(id(weeklyGone));
    LocalDateTime monthlyKept = NOW.minusDays(364);
    fake("faq", monthlyKept, List.of(), "MONTHLY backup");
    expectedKept.add(id(monthlyKept));
    LocalDateTime monthlyGone = NOW.minusDays(366);
    fake("faq", monthlyGone, List.of(), "monthly backup");
    expectedRemoved.add(id(monthlyGone));
    LocalDateTime milestone = NOW.minusDays(1000);
    fake("faq", milestone, List.of(), "Milestone v1");
    expectedKept.add(id(milestone));
    // The tag decides before the description.
    LocalDateTime taggedDaily = NOW.minusDays(40);
    fake("faq", taggedDaily, List.of("daily"), "milestone? no, a daily one");
    expectedRemoved.add(id(taggedDaily));
    LocalDateTime unknown = NOW.minusDays(2000);
    fake("faq", unknown, List.of("safety"), "Before restoring 20200101_000000");
    expectedKept.add(id(unknown));

    SnapshotManager faq =
        new SnapshotManager(
            Database.unopened(ConnectionConfig.sqlite(dir.resolve("x.db"))), dir.resolve("faq"));
    java.time.Instant now = NOW.atZone(ZoneId.systemDefault()).toInstant();
    PruneResult plan = faq.prune(RetentionPolicy.faqTable(), true, now);
    Set<String> kept = new TreeSet<>();
    plan.kept().keySet().forEach(x -> kept.add(x.id()));
    Set<String> removed = new TreeSet<>();
    plan.removed().forEach(x -> removed.add(x.id()));
    assertThat(kept).isEqualTo(expectedKept);
    assertThat(removed).isEqualTo(expectedRemoved);
    assertThat(faq.listSnapshots()).hasSize(expectedKept.size() + expectedRemoved.size());
    assertThat(plan.kept().entrySet())
        .anyMatch(e -> e.getValue().contains("faq: milestone, kept forever"))
        .anyMatch(e -> e.getValue().get(0).startsWith("faq: no known kind"));
    faq.prune(RetentionPolicy.faqTable(), false, now);
    Set<String> left = new TreeSet<>();
    faq.listSnapshots().forEach(x -> left.add(x.id()));
    assertThat(left).isEqualTo(expectedKept);
  }

  @Test
  void keepWithinMeasuresBackFromTheNewestSnapshotAsResticDoes() {
    PruneResult within =
        manager.prune(
            new RetentionPolicy(
                0, 0, 0, 0, List.of(), java.time.Duration.ofDays(7), null, null, null, false),
            true);
    Set<String> kept = new TreeSet<>();
    within.kept().keySet().forEach(x -> kept.add(x.id()));
    Set<String> expected = new TreeSet<>();
    expected.add(id(NOW));
    for (int day = 0; day < 7; day++) {
      expected.add(id(NOW.toLocalDate().minusDays(day).atTime(12, 0)));
    }
    assertThat(kept).isEqualTo(expected);

    PruneResult daily =
        manager.prune(
            new RetentionPolicy(
                0,
                0,
                0,
                0,
                List.of(),
                null,
                RetentionPolicy.parseDuration("x", "7d"),
                null,
                null,
                false),
            true);
    Set<String> keptDaily = new TreeSet<>();
    daily.kept().keySet().forEach(x -> keptDaily.add(x.id()));
    expected.remove(id(NOW.withHour(12)));
    assertThat(keptDaily).isEqualTo(expected);
    assertThat(RetentionPolicy.parseDuration("x", "1y6m2d3h"))
        .isEqualTo(java.time.Duration.ofDays(365 + 180 + 2).plusHours(3));
    for (String bad : new String[] {"", "7", "7w", "d7", "7d 3h", "-1d"}) {
      assertThatThrownBy(() -> RetentionPolicy.parseDuration("--keep-within", bad))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("--keep-within");
    }
  }
}
