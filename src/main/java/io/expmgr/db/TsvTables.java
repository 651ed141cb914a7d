package io.expmgr.db;

import io.expmgr.ProgressListener;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whole tables as tab-separated text, one file per table, in the format MySQL's {@code LOAD DATA}
 * reads back as it is (MySQL Shell's dumps take the same approach): a snapshot of a MySQL database
 * is written at the speed the server sends rows, and restored into MySQL without parsing it here.
 * {@link TsvReader} reads the files back for any other engine.
 *
 * <p>Format: UTF-8; fields separated by a tab, rows ended by a newline; in text, backslash, tab,
 * newline, carriage return and NUL escaped as {@code \\ \t \n \r \0}; null as {@code \N}; integers
 * in decimal; doubles as the shortest text that reads back to the same double ({@code Infinity},
 * {@code -Infinity} and {@code NaN}, which only SQLite stores, as Java writes them: MySQL refuses
 * them when they are loaded); times as {@code yyyy-MM-dd HH:mm:ss.SSSSSS}. Columns in the model's
 * order.
 */
public final class TsvTables {
  /** What a reader needs to know of the format, for a manifest. */
  public static final Map<String, String> FORMAT =
      Map.of(
          "encoding", "UTF-8",
          "fields_terminated_by", "\t",
          "lines_terminated_by", "\n",
          "escaped_by", "\\",
          "null", "\\N");

  private TsvTables() {}

  /** Where each table's text goes; the stream is closed when the table is written. */
  @FunctionalInterface
  public interface Sink {
    OutputStream open(Table table) throws IOException;
  }

  /**
   * Writes every table of {@code schema}, parents first, from one consistent read on one connection
   * ({@link Dialect#beginConsistentRead}), while others keep writing.
   *
   * @return rows written per table
   */
  public static Map<String, Long> dump(
      Database db, Schema schema, Sink sink, ProgressListener progress)
      throws SQLException, IOException {
    Dialect d = db.dialect();
    Map<String, Long> counts = new LinkedHashMap<>();
    byte[] buf = new byte[1 << 16];
    long done = 0;
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      d.beginConsistentRead(c);
      try {
        for (Table t : schema.tables()) {
          if (d instanceof MySqlDialect) {
            try (OutputStream out = sink.open(t)) {
              long base = done;
              long n = rawText(c, t, d, out, rows -> progress.onProgress(base + rows, -1));
              counts.put(t.name(), n);
              done += n;
              progress.onProgress(done, -1);
            }
            continue;
          }
          try (PreparedStatement ps = d.prepareStreaming(c, Sql.selectAll(t, d));
              ResultSet rs = ps.executeQuery();
              OutputStream out = sink.open(t)) {
            LoadDataStream text = new LoadDataStream(rs, t.columns(), d, true);
            long before = 0;
            for (int n = text.read(buf, 0, buf.length); n > 0; n = text.read(buf, 0, buf.length)) {
              out.write(buf, 0, n);
              if (text.count() - before >= 50_000) {
                done += text.count() - before;
                before = text.count();
                progress.onProgress(done, -1);
              }
            }
            done += text.count() - before;
            counts.put(t.name(), text.count());
          }
        }
      } finally {
        c.rollback();
      }
    }
    progress.onProgress(done, done);
    return counts;
  }

  /**
   * One MySQL table through the text protocol, whose values are already the file's text: integers
   * in decimal, doubles as the shortest text that reads back to the same double, times of {@code
   * DATETIME(6)} columns with six fraction digits, text in UTF-8 (the connection's character set).
   * Their bytes are written as they come, text escaped byte by byte (the escaped bytes never occur
   * inside a UTF-8 sequence), with no value decoded or formatted here.
   */
  /** The bytes the format escapes. */
  private static final boolean[] ESCAPED = new boolean[256];

  static {
    for (char c : new char[] {'\\', '\t', '\n', '\r', 0}) {
      ESCAPED[c] = true;
    }
  }

  /** Whether text holds a byte the format escapes; most values hold none and are copied whole. */
  private static boolean needsEscape(byte[] v) {
    for (byte b : v) {
      if (ESCAPED[b & 0xff]) {
        return true;
      }
    }
    return false;
  }

  private static long rawText(
      Connection c, Table t, Dialect d, OutputStream out, java.util.function.LongConsumer rowsDone)
      throws SQLException, IOException {
    int n = t.columns().size();
    boolean[] text = new boolean[n];
    for (int i = 0; i < n; i++) {
      ColumnType type = t.columns().get(i).type();
      text[i] = type == ColumnType.TEXT || type == ColumnType.SHORT_TEXT;
    }
    byte[] buf = new byte[1 << 16];
    int pos = 0;
    long rows = 0;
    try (java.sql.Statement st =
        c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
      // Connector/J's signal for row-by-row streaming instead of reading the whole result.
      st.setFetchSize(Integer.MIN_VALUE);
      try (ResultSet rs = st.executeQuery(Sql.selectAll(t, d))) {
        while (rs.next()) {
          for (int i = 0; i < n; i++) {
            byte[] v = rs.getBytes(i + 1);
            // Worst case: every byte escaped, plus the separator.
            int need = v == null ? 3 : 2 * v.length + 1;
            if (pos + need > buf.length) {
              out.write(buf, 0, pos);
              pos = 0;
              if (need > buf.length) {
                buf = new byte[need];
              }
            }
            if (v == null) {
              buf[pos++] = '\\';
              buf[pos++] = 'N';
            } else if (text[i] && needsEscape(v)) {
              for (byte b : v) {
                byte e =
                    switch (b) {
                      case '\\' -> '\\';
                      case '\t' -> 't';
                      case '\n' -> 'n';
                      case '\r' -> 'r';
                      case 0 -> '0';
                      default -> -1;
                    };
                if (e == -1) {
                  buf[pos++] = b;
                } else {
                  buf[pos++] = '\\';
                  buf[pos++] = e;
                }
              }
            } else {
              System.arraycopy(v, 0, buf, pos, v.length);
              pos += v.length;
            }
            buf[pos++] = (byte) (i == n - 1 ? '\n' : '\t');
          }
          if (++rows % 50_000 == 0) {
            rowsDone.accept(rows);
          }
        }
      }
    }
    out.write(buf, 0, pos);
    return rows;
  }
}
