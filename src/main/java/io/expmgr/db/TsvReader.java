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
  private final InputStream in;
  private final List<Column> columns;
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
    this.columns = columns;
    this.name = name;
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
    Object[] row = new Object[columns.size()];
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
      row[i] = isNull ? null : value(columns.get(i), n);
      if (end == '\n') {
        if (i != row.length - 1) {
          throw bad((i + 1) + " fields, expected " + row.length);
        }
        return row;
      }
    }
  }

  private Object value(Column c, int n) throws IOException {
    try {
      return switch (c.type()) {
        case ID -> integer(n, c);
        case INT -> Math.toIntExact(integer(n, c));
        case DOUBLE -> Double.parseDouble(ascii(n));
        case TIMESTAMP -> Times.parse(ascii(n));
        case SHORT_TEXT, TEXT -> new String(field, 0, n, StandardCharsets.UTF_8);
      };
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw bad(c.name() + " is not a valid " + c.type().name().toLowerCase() + ": " + ascii(n));
    }
  }

  private long integer(int n, Column c) throws IOException {
    int i = 0;
    boolean negative = n > 0 && field[0] == '-';
    if (negative) {
      i = 1;
    }
    if (i == n || n - i > 19) {
      return Long.parseLong(ascii(n));
    }
    long v = 0;
    for (; i < n; i++) {
      int d = field[i] - '0';
      if (d < 0 || d > 9) {
        throw bad(c.name() + " is not an integer: " + ascii(n));
      }
      v = v * 10 + d;
    }
    if (v < 0) {
      // past the range of a long
      return Long.parseLong(ascii(n));
    }
    return negative ? -v : v;
  }

  private String ascii(int n) {
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
