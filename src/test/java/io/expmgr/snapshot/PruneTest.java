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
    String id = at.format(ID);
    Path folder = Files.createDirectories(dir.resolve("snaps").resolve(id));
    Files.write(folder.resolve("data.db"), new byte[] {1, 2, 3});
    Map<String, Object> m =
        Map.of(
            "id",
            id,
            "created_at",
            at.atZone(ZoneId.systemDefault()).toOffsetDateTime().toString(),
            "description",
            "fake",
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
}
