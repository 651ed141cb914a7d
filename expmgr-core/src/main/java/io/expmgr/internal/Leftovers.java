package io.expmgr.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what a process that died left behind: the work files of a snapshot, a deletion, a restore
 * or a generation ({@code .NAME.partial-PID}, {@code .deleting-PID}, {@code .restoring-PID}, {@code
 * .generating-PID}, some as big as the database) whose process is gone, and snapshot id
 * reservations older than a day. A file whose process still runs is never touched; a process id
 * reused by another program keeps its file (the safe way to be wrong).
 */
public final class Leftovers {
  private static final Logger log = LoggerFactory.getLogger(Leftovers.class);
  private static final Pattern WORK =
      Pattern.compile("^\\.(.+)\\.(partial|deleting|restoring|generating)-(\\d+)$");
  private static final Duration RESERVATION_AGE = Duration.ofDays(1);

  private Leftovers() {}

  /**
   * Sweeps a folder's leftovers whose name starts with {@code "." + prefix} (all of them when the
   * prefix is empty). Never fails: what cannot be removed is logged and left.
   *
   * @return how many were removed
   */
  public static int sweep(Path dir, String prefix) {
    if (dir == null || !Files.isDirectory(dir)) {
      return 0;
    }
    int removed = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (!name.startsWith("." + prefix)) {
          continue;
        }
        if (isAbandoned(p, name)) {
          try {
            deleteTree(p);
            removed++;
            log.info("removed {}, left by a process that no longer runs", p);
          } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove the leftover {}: {}", p, e.getMessage());
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      log.debug("no sweep of {}: {}", dir, e.getMessage());
    }
    return removed;
  }

  private static boolean isAbandoned(Path p, String name) throws IOException {
    Matcher m = WORK.matcher(name);
    if (m.matches()) {
      long pid;
      try {
        pid = Long.parseLong(m.group(3));
      } catch (NumberFormatException e) {
        return false;
      }
      return pid != ProcessHandle.current().pid()
          && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }
    if (name.endsWith(".reserved")) {
      Instant at = Files.getLastModifiedTime(p).toInstant();
      return at.isBefore(Instant.now().minus(RESERVATION_AGE));
    }
    return false;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(p);
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
