package io.expmgr.db.postgres;

import io.expmgr.db.Ddl;
import io.expmgr.db.Dialect;
import io.expmgr.db.Times;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * PostgreSQL's {@code COPY} text format, which is the snapshots' tab-separated format but for three
 * escapes: rows go in with {@code COPY ... FROM STDIN} (the driver's copy API, no parsing on the
 * way), and come out with {@code COPY ... TO STDOUT} through {@link ToTsv}.
 */
final class CopyText {
  private CopyText() {}

  /** How many bytes are handed to the driver at a time. */
  private static final int CHUNK = 1 << 16;

  /** The statement that copies rows into these columns of a table. */
  static String copyIn(String table, List<String> columns, Dialect d) {
    return "COPY " + d.quote(table) + " (" + Ddl.quoteAll(columns, d) + ") FROM STDIN";
  }

  /**
   * Copies rows of Java values ({@link Long}, {@link Double}, {@link String}, {@link
   * LocalDateTime}, {@code byte[]} as UTF-8 text, null) into a table, inside the caller's
   * transaction.
   */
  static long copyRows(
      Connection connection, String table, List<String> columns, List<Object[]> rows, Dialect d)
      throws SQLException {
    CopyIn in =
        connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copyIn(table, columns, d));
    try {
      Buffer b = new Buffer(in);
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          if (i > 0) {
            b.put((byte) '\t');
          }
          b.value(row[i]);
        }
        b.put((byte) '\n');
      }
      b.flush();
      return in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  /** Bytes on their way to a {@link CopyIn}. */
  static final class Buffer {
    private final CopyIn in;
    private final byte[] buf = new byte[CHUNK];
    private int pos;

    Buffer(CopyIn in) {
      this.in = in;
    }

    void put(byte b) throws SQLException {
      if (pos == buf.length) {
        flush();
      }
      buf[pos++] = b;
    }

    void flush() throws SQLException {
      if (pos > 0) {
        in.writeToCopy(buf, 0, pos);
        pos = 0;
      }
    }

    void ascii(String s) throws SQLException {
      for (int i = 0; i < s.length(); i++) {
        put((byte) s.charAt(i));
      }
    }

    /** One value in the text format: {@code \N} for null, text escaped. */
    void value(Object v) throws SQLException {
      if (v == null) {
        ascii("\\N");
      } else if (v instanceof Double x) {
        ascii(
            x.isNaN() ? "NaN" : x.isInfinite() ? (x > 0 ? "Infinity" : "-Infinity") : x.toString());
      } else if (v instanceof Float x) {
        value(Double.valueOf(io.expmgr.db.Values.floatAsDouble(x)));
      } else if (v instanceof Number n) {
        ascii(n.toString());
      } else if (v instanceof LocalDateTime t) {
        ascii(Times.format(t));
      } else if (v instanceof byte[] bytes) {
        text(bytes);
      } else {
        text(v.toString().getBytes(StandardCharsets.UTF_8));
      }
    }

    private void text(byte[] bytes) throws SQLException {
      for (byte b : bytes) {
        byte e = io.expmgr.db.TsvTables.escapeOf(b);
        if (e == -1) {
          put(b);
        } else {
          put((byte) '\\');
          put(e);
        }
      }
    }
  }

  /**
   * {@code COPY TO} text as the snapshots write it: PostgreSQL escapes backspace, form feed and
   * vertical tab ({@code \b \f \v}), which the snapshot format (and MySQL's {@code LOAD DATA})
   * keeps as they are.
   */
  static final class ToTsv extends FilterOutputStream {
    private boolean escape;

    ToTsv(OutputStream out) {
      super(new java.io.BufferedOutputStream(out, CHUNK));
    }

    @Override
    public void write(int b) throws IOException {
      if (escape) {
        escape = false;
        switch (b) {
          case 'b' -> out.write(8);
          case 'f' -> out.write(12);
          case 'v' -> out.write(11);
          default -> {
            out.write('\\');
            out.write(b);
          }
        }
      } else if (b == '\\') {
        escape = true;
      } else {
        out.write(b);
      }
    }

    /** Runs of bytes without a backslash go through whole; only escapes are looked at. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      int end = off + len;
      int start = off;
      for (int i = off; i < end; i++) {
        if (escape) {
          write(b[i] & 0xff);
          start = i + 1;
        } else if (b[i] == '\\') {
          out.write(b, start, i - start);
          escape = true;
          start = i + 1;
        }
      }
      if (start < end) {
        out.write(b, start, end - start);
      }
    }

    /** Writes what is buffered; the stream itself stays open for its owner to close. */
    void finish() throws IOException {
      if (escape) {
        out.write('\\');
        escape = false;
      }
      out.flush();
    }

    @Override
    public void close() throws IOException {
      finish();
    }
  }
}
