package io.expmgr.db;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;

/**
 * Values as a database stores them, read so that nothing is rewritten, and written into a column of
 * either engine with only the conversions that lose nothing.
 *
 * <p>Read: from SQLite, each value as its storage class ({@link Long}, {@link Double}, {@link
 * String}, {@code byte[]}) — a time is the text the database holds, in whatever form; from MySQL,
 * integers as {@link Long}, a {@code DOUBLE} as {@link Double}, a single-precision {@code FLOAT} as
 * the double of its shortest text (0.45, not 0.449999988079071), a {@code DECIMAL} as {@link
 * java.math.BigDecimal}, a {@code DATETIME} as the text the server writes for its precision, text
 * as {@link String}.
 *
 * <p>Written: into the same engine a value goes back as it was read. Across engines, and into a
 * column that holds less, it is converted when nothing is lost and refused otherwise ({@link
 * Unstorable}): a time with microseconds into a {@code DATETIME} without fraction digits, a double
 * into a {@code FLOAT} that cannot hold it, text that is not JSON into a {@code JSON} column.
 */
public final class Values {
  private Values() {}

  /** A value a column cannot hold without changing it. */
  public static final class Unstorable extends IllegalArgumentException {
    public Unstorable(String message) {
      super(message);
    }
  }

  /** Reads a value as stored (see the class comment). */
  public static Object read(ResultSet rs, int index, Catalog.ColumnInfo column, Engine engine)
      throws SQLException {
    Dialect d = engine.dialect();
    if (d.typesValuesDynamically()) {
      Object v = rs.getObject(index);
      return v instanceof Integer i ? Long.valueOf(i) : v;
    }
    Object v =
        switch (d.valueKind(column.baseType())) {
          case INTEGER -> rs.getLong(index);
          case FLOAT -> {
            float f = rs.getFloat(index);
            yield rs.wasNull() ? null : floatAsDouble(f);
          }
          case DOUBLE -> rs.getDouble(index);
          case DECIMAL -> rs.getBigDecimal(index);
          case TIME -> {
            LocalDateTime t = rs.getObject(index, LocalDateTime.class);
            yield t == null ? null : TimeStyle.serverText(t, column.fractionDigits());
          }
          case BINARY -> rs.getBytes(index);
          case TEXT -> rs.getString(index);
        };
    return rs.wasNull() ? null : v;
  }

  /** A float as the double its shortest decimal text stands for: what was written into it. */
  public static double floatAsDouble(float f) {
    return Float.isFinite(f) ? Double.parseDouble(Float.toString(f)) : f;
  }

  /**
   * How a time is written into a target column.
   *
   * @param engine the target's engine
   * @param style for SQLite, the form the target database writes times in
   */
  public record TimeTarget(Engine engine, TimeStyle style, int fractionDigits) {}

  /**
   * The value to bind for a time read from {@code sourceEngine} (text, or a number of milliseconds
   * a tool stored), into a target time column: the text itself within SQLite, else the time it
   * stands for, written in the target's form.
   *
   * @throws Unstorable when the target keeps fewer fraction digits than the time has, or the text
   *     is not a time
   */
  public static Object time(Object value, Engine sourceEngine, TimeTarget target) {
    if (value == null) {
      return null;
    }
    boolean textTarget = target.engine().dialect().storesTimesAsText();
    if (textTarget && sourceEngine.dialect().storesTimesAsText()) {
      return value;
    }
    LocalDateTime t;
    try {
      t = Times.parse(value.toString());
    } catch (IllegalArgumentException e) {
      throw new Unstorable("'" + value + "' is not a time");
    }
    if (textTarget) {
      return target.style().format(t);
    }
    int digits = Math.max(0, Math.min(6, target.fractionDigits()));
    long nanosKept = (long) Math.pow(10, 9 - digits);
    if (t.getNano() % nanosKept != 0) {
      throw new Unstorable(
          "the time "
              + value
              + " has fractions of a second that a column of "
              + digits
              + " fraction digits cannot keep (widen the column to DATETIME(6) to keep them)");
    }
    return t;
  }

  /**
   * A double for a MySQL {@code FLOAT} column: taken when the float keeps it (its shortest text
   * reads back as the same double).
   */
  public static double forFloat(double v) {
    if (!Double.isFinite(v) || floatAsDouble((float) v) != v) {
      throw new Unstorable(v + " does not fit a single-precision FLOAT column without change");
    }
    return v;
  }

  /**
   * How values go into one column of a target database: as they are within SQLite, otherwise with
   * the conversions that lose nothing (a time into the target's form, a double into a
   * single-precision {@code FLOAT} that keeps it) and refusal ({@link Unstorable}) of the rest:
   * text into a number column, a fraction into an integer column, infinity or NaN into MySQL, text
   * that is not JSON into a {@code JSON} column.
   *
   * @param time whether the column holds times (by the schema model or its declared type)
   */
  public record Into(
      Engine engine, Catalog.ColumnInfo column, boolean time, TimeTarget timeTarget) {
    /**
     * The conversion into {@code column} of a database of {@code engine} whose SQLite times are
     * written in {@code style}; {@code modelTime} says the schema model has the column as a time.
     */
    public static Into of(
        Engine engine, Catalog.ColumnInfo column, boolean modelTime, TimeStyle style) {
      boolean time = modelTime || column.isServerTime(engine);
      return new Into(engine, column, time, new TimeTarget(engine, style, column.fractionDigits()));
    }

    /** The value to write for {@code v}, read as stored from a database of {@code from}. */
    public Object convert(Object v, Engine from) {
      Dialect d = engine.dialect();
      if (v == null || (from.dialect().typesValuesDynamically() && d.typesValuesDynamically())) {
        return v;
      }
      if (time) {
        return Values.time(v, from, timeTarget);
      }
      if (d.typesValuesDynamically()) {
        return v;
      }
      Dialect.ValueKind kind = d.valueKind(column.baseType());
      boolean integer = kind == Dialect.ValueKind.INTEGER;
      boolean number =
          integer
              || kind == Dialect.ValueKind.FLOAT
              || kind == Dialect.ValueKind.DOUBLE
              || kind == Dialect.ValueKind.DECIMAL;
      if (number && v instanceof String s) {
        throw new Unstorable("'" + abbreviate(s) + "' is not a number");
      }
      if (v instanceof Double dv) {
        if (!Double.isFinite(dv) && !(number && d.storesNonFiniteDoubles() && !integer)) {
          throw new Unstorable(dv + " cannot be stored in a " + engine.label() + " number column");
        }
        if (integer && dv != Math.rint(dv)) {
          throw new Unstorable(dv + " is not an integer");
        }
        if (column.isSinglePrecision(engine)) {
          return forFloat(dv);
        }
      }
      if (column.json() && v instanceof String s && !isJson(s)) {
        throw new Unstorable(
            "'" + abbreviate(s) + "' is not JSON, and the column is a JSON column");
      }
      return v;
    }
  }

  private static final com.fasterxml.jackson.core.JsonFactory JSON =
      com.fasterxml.jackson.core.JsonFactory.builder()
          .streamReadConstraints(
              com.fasterxml.jackson.core.StreamReadConstraints.builder()
                  .maxStringLength(Integer.MAX_VALUE)
                  .maxNumberLength(Integer.MAX_VALUE)
                  .build())
          .build();

  /** Whether text is one JSON value (what a JSON column takes). */
  public static boolean isJson(String text) {
    try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() == null) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Text cut to a length fit for a one-line message. */
  public static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  /** Binds a value as it is: null, a number, text or bytes. */
  public static void bind(PreparedStatement ps, int index, Object v) throws SQLException {
    if (v instanceof LocalDateTime t) {
      ps.setObject(index, t);
    } else {
      ps.setObject(index, v);
    }
  }
}
