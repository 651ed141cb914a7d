package io.expmgr.db.mysql;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The rows of a result set as the tab-separated text MySQL's {@code LOAD DATA} reads ({@link
 * #FORMAT}), encoded in UTF-8 on demand: the driver pulls it chunk by chunk while the server
 * inserts, so nothing but one chunk is ever held in memory.
 *
 * <p>Each value is written as the text of what the result set holds: integers in decimal, doubles
 * as the shortest text that reads back to the same double, text as it is, null as {@code \N}. The
 * server converts the text to its column's type, as it would the literal.
 */
final class LoadDataStream extends InputStream {
  /** The {@code LOAD DATA} clauses that read this stream's format. */
  static final String FORMAT =
      " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\'"
          + " LINES TERMINATED BY '\\n'";

  private static final int CHUNK = 1 << 16;

  private final ResultSet rows;
  private final int columns;
  private byte[] bytes = new byte[CHUNK + 4096];
  private int pos;
  private int limit;
  private long count;
  private boolean exhausted;
  private IOException failure;

  LoadDataStream(ResultSet rows, int columns) {
    this.rows = rows;
    this.columns = columns;
  }

  /** Why the stream stopped early, or null. */
  IOException failure() {
    return failure;
  }

  /** Rows written so far. */
  long count() {
    return count;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (pos == limit && !fill()) {
      return -1;
    }
    int n = Math.min(len, limit - pos);
    System.arraycopy(bytes, pos, b, off, n);
    pos += n;
    return n;
  }

  private boolean fill() throws IOException {
    try {
      return fillChunk();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  private boolean fillChunk() throws IOException {
    if (exhausted) {
      return false;
    }
    limit = 0;
    pos = 0;
    try {
      while (limit < CHUNK) {
        if (!rows.next()) {
          exhausted = true;
          break;
        }
        for (int i = 0; i < columns; i++) {
          Object v = rows.getObject(i + 1);
          if (v == null) {
            put((byte) '\\');
            put((byte) 'N');
          } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
              throw new IOException("MySQL cannot store " + d + " in a column");
            }
            ascii(Double.toString(d));
          } else if (v instanceof Number n) {
            ascii(n.toString());
          } else {
            escaped(v instanceof byte[] raw ? raw : v.toString().getBytes(StandardCharsets.UTF_8));
          }
          put((byte) (i == columns - 1 ? '\n' : '\t'));
        }
        count++;
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the rows to load: " + e.getMessage(), e);
    }
    return limit > 0;
  }

  private void put(byte b) {
    if (limit == bytes.length) {
      bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
    }
    bytes[limit++] = b;
  }

  private void ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      put((byte) s.charAt(i));
    }
  }

  private void escaped(byte[] v) {
    for (byte b : v) {
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
