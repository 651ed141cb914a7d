package io.expmgr.cli.html;

import java.util.ArrayList;
import java.util.List;

/**
 * The geometry of the pages' charts, computed here and drawn as inline SVG by the templates ({@code
 * bars.jte}, {@code lines.jte}), which escape every label.
 */
public final class Charts {
  private Charts() {}

  /** One bar: its label, the value written beside it, and its length in pixels. */
  public record Bar(String label, String value, double length, String tone) {}

  /**
   * A horizontal bar chart.
   *
   * @param height the drawing's height in pixels
   */
  public record BarChart(String title, List<Bar> bars, int width, int height) {
    /** The y of bar {@code i}'s top. */
    public int y(int i) {
      return 8 + i * ROW;
    }
  }

  static final int ROW = 22;
  static final int LABEL = 170;
  static final int BAR_SPACE = 300;

  /** A bar chart of labelled counts, longest bar for the largest value. */
  public static BarChart bars(String title, List<String> labels, List<Long> values, String tone) {
    long max = Math.max(1, values.stream().mapToLong(Long::longValue).max().orElse(1));
    List<Bar> bars = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      long v = values.get(i);
      double len = v == 0 ? 0 : Math.max(2, BAR_SPACE * (double) v / max);
      bars.add(new Bar(labels.get(i), HtmlReports.count(v), len, v == 0 ? "zero" : tone));
    }
    return new BarChart(title, bars, LABEL + BAR_SPACE + 110, 16 + bars.size() * ROW);
  }

  /** A mark on a line chart's x axis: a pause, a resume. */
  public record Mark(double x, String label) {}

  /** A point of a line chart, in pixels, with what it stands for. */
  public record Point(double x, double y, String title) {}

  /**
   * A line chart.
   *
   * @param path the SVG path of the line
   * @param yTicks labels of the y axis, bottom to top, with their y in pixels
   */
  public record LineChart(
      String title,
      String xLabel,
      String yLabel,
      String path,
      List<Point> points,
      List<Tick> yTicks,
      List<Tick> xTicks,
      List<Mark> marks,
      int width,
      int height) {
    /** The bottom of the plot area. */
    public int bottom() {
      return height - 28;
    }
  }

  /** A labelled position on an axis. */
  public record Tick(double at, String label) {}

  static final int LEFT = 70;
  static final int TOP = 12;

  /**
   * A line chart of {@code ys} over {@code xs} (both in their own units), with marks at some x.
   *
   * @param xFormat how an x value is written on the axis
   * @param yFormat how a y value is written on the axis and in a point's title
   */
  public static LineChart lines(
      String title,
      String xLabel,
      String yLabel,
      double[] xs,
      double[] ys,
      List<double[]> marks,
      List<String> markLabels,
      java.util.function.DoubleFunction<String> xFormat,
      java.util.function.DoubleFunction<String> yFormat) {
    int width = 640;
    int height = 220;
    int right = width - 16;
    int bottom = height - 28;
    double minX = xs.length == 0 ? 0 : xs[0];
    double maxX = xs.length == 0 ? 1 : xs[xs.length - 1];
    if (maxX <= minX) {
      maxX = minX + 1;
    }
    double maxY = 0;
    for (double y : ys) {
      maxY = Math.max(maxY, y);
    }
    if (maxY <= 0) {
      maxY = 1;
    }
    double fx = (right - LEFT) / (maxX - minX);
    double fy = (bottom - TOP) / maxY;
    StringBuilder path = new StringBuilder();
    List<Point> points = new ArrayList<>();
    // Every point is drawn on the line; a title on at most 200 of them keeps the page small.
    int every = Math.max(1, xs.length / 200);
    for (int i = 0; i < xs.length; i++) {
      double px = LEFT + (xs[i] - minX) * fx;
      double py = bottom - ys[i] * fy;
      path.append(i == 0 ? "M" : "L")
          .append(String.format(java.util.Locale.ROOT, "%.1f %.1f", px, py));
      if (i % every == 0 || i == xs.length - 1) {
        points.add(new Point(px, py, xFormat.apply(xs[i]) + ": " + yFormat.apply(ys[i])));
      }
    }
    List<Tick> yTicks = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      double v = maxY * i / 4;
      yTicks.add(new Tick(bottom - v * fy, yFormat.apply(v)));
    }
    List<Tick> xTicks = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      double v = minX + (maxX - minX) * i / 4;
      xTicks.add(new Tick(LEFT + (v - minX) * fx, xFormat.apply(v)));
    }
    List<Mark> m = new ArrayList<>();
    for (int i = 0; i < marks.size(); i++) {
      m.add(new Mark(LEFT + (marks.get(i)[0] - minX) * fx, markLabels.get(i)));
    }
    return new LineChart(
        title, xLabel, yLabel, path.toString(), points, yTicks, xTicks, m, width, height);
  }
}
