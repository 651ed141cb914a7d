package io.expmgr.cli.html;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.TemplateException;
import gg.jte.output.StringOutput;
import io.expmgr.internal.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes the HTML reports: one self-contained page each (styles and charts inline, no script, no
 * font, no request to any network: the page's own Content-Security-Policy forbids them), from the
 * templates in {@code src/main/jte}, which are compiled to Java at build time and escape every
 * value they print.
 */
public final class HtmlReports {
  /** Rows of a sample shown in a page, at most; the JSON report has what the command kept. */
  public static final int SAMPLE_ROWS = 25;

  /** Characters of one value shown in a page, at most. */
  public static final int CELL_CHARS = 200;

  private static final TemplateEngine ENGINE =
      TemplateEngine.createPrecompiled(
          null,
          ContentType.Html,
          HtmlReports.class.getClassLoader(),
          "io.expmgr.cli.html.templates");

  private HtmlReports() {}

  /** The page of a template and its one parameter. */
  public static String render(String template, Object page) {
    StringOutput out = new StringOutput(16 * 1024);
    try {
      ENGINE.render(template, page, out);
    } catch (TemplateException e) {
      throw new IllegalStateException("cannot render " + template + ": " + e.getMessage(), e);
    }
    return out.toString();
  }

  /** Renders a page and writes it to {@code file} atomically. */
  public static void write(Path file, String template, Object page) {
    AtomicFiles.write(file, render(template, page).getBytes(StandardCharsets.UTF_8));
  }

  /** A value as a page shows it: null as an empty cell, long text cut in the middle. */
  public static String cell(Object value) {
    if (value == null) {
      return "";
    }
    String s = String.valueOf(value);
    if (s.length() <= CELL_CHARS) {
      return s;
    }
    int half = CELL_CHARS / 2 - 1;
    return s.substring(0, half) + " … " + s.substring(s.length() - half);
  }

  /** A count with thousands separators. */
  public static String count(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }

  /** A size in bytes, in the unit that reads best. */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** A duration in milliseconds, as people read it. */
  public static String millis(long ms) {
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    return String.format(java.util.Locale.ROOT, "%d min %d s", ms / 60_000, (ms / 1000) % 60);
  }
}
