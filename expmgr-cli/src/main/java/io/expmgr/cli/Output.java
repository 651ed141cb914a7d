package io.expmgr.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Printing for people (aligned tables, progress bars) and for machines (JSON). */
final class Output {
  /** Jackson, created on first use: commands that print no JSON never load it. */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private Output() {}

  static String jsonText(Object value) {
    try {
      return Json.MAPPER.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static void json(PrintWriter out, Object value) {
    try {
      out.println(Json.MAPPER.writeValueAsString(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints rows under headers, columns padded; numbers (all digits) right-aligned. */
  static void table(PrintWriter out, List<String> headers, List<List<String>> rows) {
    int[] width = new int[headers.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    for (List<String> r : all) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (List<String> r : all) {
      StringBuilder sb = new StringBuilder("  ");
      for (int i = 0; i < r.size(); i++) {
        String cell = r.get(i);
        boolean numeric =
            !cell.isEmpty()
                && cell.chars().allMatch(ch -> Character.isDigit(ch) || ch == ',' || ch == '.');
        String pad = " ".repeat(width[i] - cell.length());
        sb.append(numeric && i > 0 ? pad + cell : cell + pad);
        if (i < r.size() - 1) {
          sb.append("  ");
        }
      }
      out.println(sb.toString().stripTrailing());
    }
    out.flush();
  }

  static String count(long n) {
    return String.format("%,d", n);
  }

  /** Whether a person is watching: stdout is a terminal. */
  static boolean interactive() {
    return System.console() != null && !quiet;
  }

  /** {@code --quiet}: no summaries, no progress; questions go to stderr. */
  static volatile boolean quiet;

  /**
   * Progress on standard error for a task counted in {@code unit}, as {@code --progress} asks (a
   * bar when standard error is a terminal); nothing when not {@code enabled}. Close it when done.
   */
  static ProgressDisplay progress(String task, String unit, boolean enabled) {
    return ProgressDisplay.open(task, unit, enabled);
  }

  /**
   * Lines about what an export or import carried beyond the plain hierarchy: the batch level, and
   * links to epochs and batches that do not exist (kept as they are, never dropped in silence).
   */
  static void carried(PrintWriter out, java.util.Map<String, Long> counts) {
    long batches = counts.getOrDefault("batches", 0L);
    long batchLinks =
        counts.getOrDefault("batch_metrics", 0L) + counts.getOrDefault("batch_artifacts", 0L);
    if (batches > 0 || batchLinks > 0) {
      out.println(
          "  with the batch level: "
              + count(batches)
              + " batches, "
              + count(batchLinks)
              + " links");
    }
    long toEpochs = counts.getOrDefault("links_to_missing_epochs", 0L);
    if (toEpochs > 0) {
      out.println(
          "  "
              + count(toEpochs)
              + " links point to epochs that do not exist (the tracker links a run's final"
              + " metrics to epoch N), kept as they are");
    }
    long toBatches = counts.getOrDefault("links_to_missing_batches", 0L);
    if (toBatches > 0) {
      out.println(
          "  " + count(toBatches) + " links point to batches that do not exist, kept as they are");
    }
  }

  /**
   * The one rule for files a command writes: an existing file is replaced only with {@code
   * --overwrite} (then atomically), so that an edited rules file or an earlier export is never lost
   * by a repeated command. Checked before any work starts.
   */
  static void refuseExisting(java.nio.file.Path file, boolean overwrite, String option) {
    if (file != null && !overwrite && java.nio.file.Files.exists(file)) {
      throw new io.expmgr.InvalidInputException(
          option + " " + file + " already exists; nothing was done (--overwrite replaces it)");
    }
  }

  /** A question cannot be asked beside JSON output: a destructive command then needs --yes. */
  static void requireYesWithJson(boolean yes, boolean dryRun, boolean json) {
    if (json && !yes && !dryRun) {
      throw new io.expmgr.InvalidInputException(
          "--json cannot ask for confirmation: add --yes (or --dry-run)");
    }
  }
}
