package io.expmgr.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a table written by {@link TsvTables} back into rows with the Java types of {@link Rows}
 * ({@link Long} ids, {@link Integer} ints, {@link Double}, {@link String}, {@link
 * java.time.LocalDateTime}, null), one row at a time. Strict: a row with the wrong number of
 * fields, an unknown escape or a value that does not parse as its column's type is an error naming
 * the file and line.
 */
public final class TsvReader implements AutoCloseable {
  /** Turns one field's bytes into the value to bind. */
  @FunctionalInterface
  public interface Decoder {
    /**
     * @throws IllegalArgumentException when the bytes are not a value of the column
     */
    Object decode(byte[] field, int length);
  }

  private final InputStream in;
  private final String[] names;
  private final String[] kinds;
  private final Decoder[] decoders;
  private final String name;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;
  private byte[] field = new byte[256];
  private long line;

  /**
   * @param name the file's name, for errors
   */
  public TsvReader(InputStream in, List<Column> columns, String name) {
    this.in = in;
    this.name = name;
    this.names = columns.stream().map(Column::name).toArray(String[]::new);
    this.kinds =
        columns.stream()
            .map(c -> c.type().name().toLowerCase(java.util.Locale.ROOT))
            .toArray(String[]::new);
    this.decoders = new Decoder[columns.size()];
    for (int i = 0; i < decoders.length; i++) {
      Column c = columns.get(i);
      decoders[i] = (f, n) -> typed(c, f, n);
    }
  }

  /**
   * Reads columns with decoders of their own (a database's own columns, not the model's).
   *
   * @param names the columns' names, for errors
   */
  public TsvReader(InputStream in, List<String> names, List<Decoder> decoders, String name) {
    this.in = in;
    this.name = name;
    this.names = names.toArray(String[]::new);
    this.kinds = new String[names.size()];
    java.util.Arrays.fill(kinds, "value");
    this.decoders = decoders.toArray(Decoder[]::new);
  }

  /** A decoder of text as it is (UTF-8). */
  public static final Decoder TEXT = (f, n) -> new String(f, 0, n, StandardCharsets.UTF_8);

  /** A decoder of a SQLite column's values back to their storage class ({@link SqliteValues}). */
  public static Decoder sqlite(Catalog.Affinity affinity, String storage) {
    return (f, n) ->
        SqliteValues.decode(new String(f, 0, n, StandardCharsets.UTF_8), affinity, storage);
  }

  /** Rows read so far. */
  public long count() {
    return line;
  }

  /** The next row, or null at the end of the file. */
  public Object[] next() throws IOException {
    if (pos == limit && !fill()) {
      return null;
    }
    line++;
    Object[] row = new Object[decoders.length];
    for (int i = 0; ; i++) {
      int n = 0;
      boolean isNull = false;
      int end;
      while (true) {
        if (pos == limit && !fill()) {
          throw bad("the last row has no line end (the file is cut short)");
        }
        byte b = buf[pos++];
        if (b == '\t' || b == '\n') {
          end = b;
          break;
        }
        if (b == '\\') {
          if (pos == limit && !fill()) {
            throw bad("the file ends inside an escape");
          }
          byte e = buf[pos++];
          b =
              switch (e) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case '0' -> 0;
                case 'b' -> '\b';
                case 'Z' -> 26;
                case 'N' -> {
                  isNull = true;
                  yield 0;
                }
                default -> throw bad("unknown escape \\" + (char) (e & 0xff));
              };
          if (isNull) {
            if (n > 0) {
              throw bad("\\N inside a value");
            }
            continue;
          }
        } else if (isNull) {
          throw bad("\\N followed by more text");
        }
        if (n == field.length) {
          field = Arrays.copyOf(field, n * 2);
        }
        field[n++] = b;
      }
      if (i >= row.length) {
        throw bad("more than " + row.length + " fields");
      }
      if (isNull) {
        row[i] = null;
      } else {
        try {
          row[i] = decoders[i].decode(field, n);
        } catch (IllegalArgumentException | ArithmeticException e) {
          throw bad(names[i] + " is not a valid " + kinds[i] + ": " + ascii(n));
        }
      }
      if (end == '\n') {
        if (i != row.length - 1) {
          throw bad((i + 1) + " fields, expected " + row.length);
        }
        return row;
      }
    }
  }

  private static Object typed(Column c, byte[] field, int n) {
    return switch (c.type()) {
      case ID -> integer(field, n);
      case INT -> Math.toIntExact(integer(field, n));
      case DOUBLE -> Double.parseDouble(ascii(field, n));
      case TIMESTAMP -> Times.parse(ascii(field, n));
      case SHORT_TEXT, TEXT -> new String(field, 0, n, StandardCharsets.UTF_8);
    };
  }

  private static long integer(byte[] field, int n) {
    int i = 0;
    boolean negative = n > 0 && field[0] == '-';
    if (negative) {
      i = 1;
    }
    if (i == n || n - i > 19) {
      return Long.parseLong(ascii(field, n));
    }
    long v = 0;
    for (; i < n; i++) {
      int d = field[i] - '0';
      if (d < 0 || d > 9) {
        throw new NumberFormatException("not an integer");
      }
      v = v * 10 + d;
    }
    if (v < 0) {
      // past the range of a long
      return Long.parseLong(ascii(field, n));
    }
    return negative ? -v : v;
  }

  private String ascii(int n) {
    return ascii(field, n);
  }

  private static String ascii(byte[] field, int n) {
    return new String(field, 0, n, StandardCharsets.ISO_8859_1);
  }

  private IOException bad(String why) {
    return new IOException(name + " line " + line + ": " + why);
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      eof = true;
      pos = limit = 0;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
