package io.expmgr.db;

import java.io.IOException;
import java.io.InputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The rows of a result set as the tab-separated text MySQL's {@code LOAD DATA} reads ({@link
 * #FORMAT}), encoded in UTF-8 on demand: the driver pulls it chunk by chunk while the server
 * inserts, so nothing but one chunk is ever held in memory.
 *
 * <p>Values are written as the multi-row INSERT writes them: integers in decimal, doubles as the
 * shortest text that reads back to the same double, times with microseconds, null as {@code \N}.
 */
final class LoadDataStream extends InputStream {
  /** The {@code LOAD DATA} clauses that read this stream's format. */
  static final String FORMAT =
      " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\'"
          + " LINES TERMINATED BY '\\n'";

  private static final int CHUNK_CHARS = 1 << 16;

  private final ResultSet rows;
  private final List<Column> columns;
  private final Dialect from;
  private final StringBuilder text = new StringBuilder(CHUNK_CHARS + 4096);
  private byte[] bytes = new byte[3 * (CHUNK_CHARS + 4096)];
  private int pos;
  private int limit;
  private long count;
  private boolean exhausted;
  private IOException failure;
  private final boolean nonFinite;

  /** A stream for {@code LOAD DATA}: a double MySQL cannot store stops it. */
  LoadDataStream(ResultSet rows, List<Column> columns, Dialect from) {
    this(rows, columns, from, false);
  }

  /**
   * @param nonFinite write infinities and NaN as Java names them, for files that other engines read
   *     back (MySQL refuses them when loaded)
   */
  LoadDataStream(ResultSet rows, List<Column> columns, Dialect from, boolean nonFinite) {
    this.rows = rows;
    this.columns = columns;
    this.from = from;
    this.nonFinite = nonFinite;
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
    text.setLength(0);
    try {
      while (text.length() < CHUNK_CHARS) {
        if (!rows.next()) {
          exhausted = true;
          break;
        }
        for (int i = 0; i < columns.size(); i++) {
          if (i > 0) {
            text.append('\t');
          }
          field(columns.get(i).type(), Rows.read(rows, i + 1, columns.get(i).type(), from));
        }
        text.append('\n');
        count++;
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the rows to load: " + e.getMessage(), e);
    }
    encode();
    return limit > 0;
  }

  private void field(ColumnType type, Object v) throws IOException {
    if (v == null) {
      text.append("\\N");
      return;
    }
    switch (type) {
      case ID, INT -> text.append(((Number) v).longValue());
      case DOUBLE -> {
        double d = ((Number) v).doubleValue();
        if (!nonFinite && !Double.isFinite(d)) {
          throw new IOException("MySQL cannot store " + d + " in a DOUBLE column");
        }
        text.append(d);
      }
      case TIMESTAMP -> text.append(Times.format((java.time.LocalDateTime) v));
      default -> escape(v.toString());
    }
  }

  private void escape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> text.append("\\\\");
        case '\t' -> text.append("\\t");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        case '\0' -> text.append("\\0");
        default -> text.append(c);
      }
    }
  }

  /** UTF-8 of the chunk's text; unpaired surrogates become '?', as String.getBytes does. */
  private void encode() {
    int n = text.length();
    if (bytes.length < 3 * n) {
      bytes = new byte[3 * n];
    }
    int o = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes[o++] = (byte) c;
      } else if (c < 0x800) {
        bytes[o++] = (byte) (0xc0 | c >> 6);
        bytes[o++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        bytes[o++] = (byte) (0xf0 | cp >> 18);
        bytes[o++] = (byte) (0x80 | cp >> 12 & 0x3f);
        bytes[o++] = (byte) (0x80 | cp >> 6 & 0x3f);
        bytes[o++] = (byte) (0x80 | cp & 0x3f);
      } else if (Character.isSurrogate(c)) {
        bytes[o++] = '?';
      } else {
        bytes[o++] = (byte) (0xe0 | c >> 12);
        bytes[o++] = (byte) (0x80 | c >> 6 & 0x3f);
        bytes[o++] = (byte) (0x80 | c & 0x3f);
      }
    }
    pos = 0;
    limit = o;
  }
}
