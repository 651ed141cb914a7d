package io.expmgr.cli;

import io.expmgr.ProgressListener;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Locale;

/**
 * Progress on standard error: a bar that fits the terminal's width (its unit and counts whole, with
 * thousands separators; the bar takes what is left, and the rate and time left go first when the
 * line is narrow), or a line every few seconds ({@code --progress log}, for cron and CI logs), or
 * nothing. A long command announces each step ({@link #onStep}) and the display starts again.
 */
final class ProgressDisplay implements ProgressListener, AutoCloseable {
  /** How progress shows: chosen with {@code --progress}. */
  enum Mode {
    auto,
    bar,
    log,
    none
  }

  /** {@code --progress} for this run. */
  static volatile Mode requested = Mode.auto;

  private static final long BAR_EVERY_NANOS = 200_000_000L;
  private static final long LOG_EVERY_NANOS = 5_000_000_000L;

  private final PrintStream err;
  private final Mode mode;
  private final int width;
  private String label;
  private String unit;
  private long done;
  private long total = -1;
  private long stepStarted = System.nanoTime();
  private long lastDrawn;
  private boolean drawn;
  private boolean announced;
  private boolean closed;

  private ProgressDisplay(PrintStream err, Mode mode, int width, String label, String unit) {
    this.err = err;
    this.mode = mode;
    this.width = width;
    this.label = label;
    this.unit = unit;
  }

  /**
   * A display for a task counted in {@code unit}; nothing when {@code enabled} is false (the
   * command prints JSON, say), with {@code --quiet}, or when standard error is no terminal and no
   * {@code --progress} asks for one.
   */
  static ProgressDisplay open(String task, String unit, boolean enabled) {
    Mode m = enabled && !Output.quiet ? resolve(requested) : Mode.none;
    return new ProgressDisplay(System.err, m, m == Mode.bar ? terminalWidth() : 0, task, unit);
  }

  /** A display in mode {@code m} (not {@code auto}). */
  static ProgressDisplay of(Mode m, String task, String unit) {
    return new ProgressDisplay(System.err, m, m == Mode.bar ? terminalWidth() : 0, task, unit);
  }

  /** The mode {@code auto} stands for here: a bar when standard error is a terminal. */
  static Mode resolve(Mode m) {
    if (m != Mode.auto) {
      return m;
    }
    return stderrIsTerminal() ? Mode.bar : Mode.none;
  }

  /** Whether anything will show. */
  boolean shows() {
    return mode != Mode.none;
  }

  @Override
  public synchronized void onStep(String step, String stepUnit) {
    if (mode == Mode.none || closed) {
      return;
    }
    finishLine();
    if (mode == Mode.log && announced) {
      logDone();
    }
    announced = true;
    label = step;
    unit = stepUnit == null ? "" : stepUnit;
    done = 0;
    total = -1;
    stepStarted = System.nanoTime();
    lastDrawn = 0;
    if (mode == Mode.log) {
      err.println(LocalTime.now().withNano(0) + " " + label + "...");
      err.flush();
    } else {
      draw(System.nanoTime());
    }
  }

  @Override
  public synchronized void onProgress(long doneNow, long totalNow) {
    if (mode == Mode.none || closed) {
      return;
    }
    announced = true;
    done = doneNow;
    total = totalNow;
    long now = System.nanoTime();
    long every = mode == Mode.bar ? BAR_EVERY_NANOS : LOG_EVERY_NANOS;
    boolean finished = total >= 0 && done >= total;
    if (now - lastDrawn >= every || (finished && mode == Mode.bar)) {
      if (mode == Mode.bar) {
        draw(now);
      } else if (lastDrawn != 0 || now - stepStarted >= every) {
        err.println(LocalTime.now().withNano(0) + " " + logLine(now));
        err.flush();
      }
      lastDrawn = now;
    }
  }

  private void draw(long now) {
    String l = line(width, now);
    err.print("\r" + l + " ".repeat(Math.max(0, width - 1 - l.length())) + "\r");
    err.flush();
    drawn = true;
    lastDrawn = now;
  }

  private String line(int cols, long now) {
    double seconds = (now - stepStarted) / 1e9;
    double rate = seconds > 0.2 ? done / seconds : 0;
    long eta = rate > 0 && total > done ? Math.round((total - done) / rate) : -1;
    return render(label, done, total, unit, rate, eta, cols);
  }

  /** A log line: the label, the counts with their unit, the percentage, rate and time left. */
  private String logLine(long now) {
    double seconds = (now - stepStarted) / 1e9;
    double rate = seconds > 0.2 ? done / seconds : 0;
    String u = unit == null || unit.isEmpty() ? "" : " " + unit;
    StringBuilder b = new StringBuilder(label).append(": ").append(count(done));
    if (total >= 0) {
      b.append('/').append(count(total)).append(u);
      if (total > 0) {
        b.append(" (").append(Math.min(100, done * 100 / total)).append("%)");
      }
    } else {
      b.append(u);
    }
    if (rate >= 1) {
      b.append(", ").append(count(Math.round(rate))).append(u).append("/s");
      if (total > done) {
        b.append(", ETA ").append(duration(Math.round((total - done) / rate)));
      }
    }
    return b.toString();
  }

  /**
   * Clears a bar being drawn so that a line on standard output reads cleanly on the same terminal;
   * the next count draws it again.
   */
  synchronized void clearLine() {
    if (mode == Mode.bar && drawn) {
      err.print("\r" + " ".repeat(Math.max(0, width - 1)) + "\r");
      err.flush();
      drawn = false;
    }
  }

  private void finishLine() {
    if (mode == Mode.bar && drawn) {
      draw(System.nanoTime());
      err.println();
      err.flush();
      drawn = false;
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (mode == Mode.bar) {
      finishLine();
    } else if (mode == Mode.log && announced) {
      logDone();
    }
  }

  /** The log's line for a step that has ended: what it counted, and how long it took. */
  private void logDone() {
    double seconds = (System.nanoTime() - stepStarted) / 1e9;
    String u = unit == null || unit.isEmpty() ? "" : " " + unit;
    err.println(
        LocalTime.now().withNano(0)
            + " "
            + label
            + ": "
            + (total >= 0 ? count(done) + "/" + count(total) : count(done))
            + u
            + String.format(Locale.ROOT, " in %.1f s", seconds));
    err.flush();
  }

  /**
   * One line of progress in at most {@code cols - 1} characters: the label, the percentage, the
   * bar, the counts with their unit, the rate and the time left. When the line is narrow the time
   * left goes first, then the rate, then the label is cut; the counts and unit stay whole and the
   * bar keeps at least ten cells.
   */
  static String render(
      String label, long done, long total, String unit, double rate, long etaSeconds, int cols) {
    int max = Math.max(20, cols - 1);
    String u = unit == null || unit.isEmpty() ? "" : " " + unit;
    // The done count is as wide as the total, so the bar does not jump as digits are added.
    String counts =
        total >= 0
            ? String.format(Locale.ROOT, "%" + count(total).length() + "s", count(done))
                + "/"
                + count(total)
                + u
            : count(done) + u;
    String pct =
        total > 0 ? String.format(Locale.ROOT, "%3d%%", Math.min(100, done * 100 / total)) : "";
    String speed = rate >= 1 ? count(Math.round(rate)) + u + "/s" : "";
    String eta =
        etaSeconds >= 0 ? String.format(Locale.ROOT, "ETA %-6s", duration(etaSeconds)) : "";
    String[] optional = {speed, eta};
    for (int drop = 0; drop <= optional.length; drop++) {
      StringBuilder tail = new StringBuilder(" ").append(counts);
      for (int i = 0; i < optional.length - drop; i++) {
        if (!optional[i].isEmpty()) {
          tail.append("  ").append(optional[i]);
        }
      }
      String head = label + (pct.isEmpty() ? "" : " " + pct) + " ";
      int barCells = max - head.length() - tail.length() - 2;
      if (barCells >= 10 || drop == optional.length) {
        if (barCells < 10) {
          // Even bare, the line is too long: the label gives way, then the percentage, then the
          // bar down to three cells; the counts and their unit stay whole.
          int cut = Math.max(1, label.length() - (10 - barCells));
          String pctPart = pct.isEmpty() ? "" : " " + pct;
          head = label.substring(0, cut) + pctPart + " ";
          barCells = max - head.length() - tail.length() - 2;
          if (barCells < 10 && !pctPart.isEmpty()) {
            head = label.substring(0, cut) + " ";
            barCells = max - head.length() - tail.length() - 2;
          }
          barCells = Math.max(3, barCells);
        }
        barCells = Math.min(barCells, 40);
        String out = head + "[" + bar(done, total, barCells) + "]" + tail;
        return out.length() > max ? out.substring(0, max) : out;
      }
    }
    throw new AssertionError("unreachable");
  }

  private static String bar(long done, long total, int cells) {
    StringBuilder b = new StringBuilder(cells);
    if (total > 0) {
      int full = (int) Math.min(cells, done * cells / total);
      b.append("=".repeat(full));
      if (full < cells) {
        b.append('>').append(" ".repeat(cells - full - 1));
      }
    } else {
      // No total yet: a marker that moves with the count.
      int at = (int) (done / 1024 % cells);
      b.append(" ".repeat(at)).append("<=>");
      b.setLength(Math.min(b.length(), cells));
      b.append(" ".repeat(cells - b.length()));
    }
    return b.toString();
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String duration(long s) {
    return s < 60
        ? s + "s"
        : s < 3600
            ? (s / 60) + "m" + String.format("%02ds", s % 60)
            : (s / 3600) + "h" + String.format("%02dm", s / 60 % 60);
  }

  /** Whether standard error is a terminal, whatever standard output is. */
  static boolean stderrIsTerminal() {
    try {
      Path fd = Path.of("/proc/self/fd/2");
      if (Files.exists(fd)) {
        String target = Files.readSymbolicLink(fd).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      }
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
      // Not Linux: fall back to the console, which needs standard output to be one too.
    }
    return System.console() != null;
  }

  /** The terminal's width: $COLUMNS, else the terminal's own idea, else 80. */
  static int terminalWidth() {
    String columns = System.getenv("COLUMNS");
    if (columns != null && columns.matches("\\d{2,4}")) {
      return Math.min(400, Integer.parseInt(columns));
    }
    try {
      Process p =
          new ProcessBuilder("sh", "-c", "stty size < /dev/tty")
              .redirectErrorStream(false)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() == 0 && out.matches("\\d+ \\d+")) {
        int w = Integer.parseInt(out.split(" ")[1]);
        if (w >= 20) {
          return Math.min(400, w);
        }
      }
    } catch (java.io.IOException e) {
      // No stty: the default.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 80;
  }
}
