package io.expmgr.db;

import io.expmgr.ProgressListener;
import io.expmgr.SnapshotException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole tables as tab-separated text, one file per table, in the format MySQL's {@code LOAD DATA}
 * reads back as it is (MySQL Shell's dumps take the same approach): a snapshot of a MySQL database
 * is written at the speed the server sends rows, and restored into MySQL without parsing it here.
 * {@link TsvReader} reads the files back for any other engine.
 *
 * <p>Every table of the database is written, not only the ones expmgr models, with its own columns,
 * in the order the database stores its rows. Format: UTF-8; fields separated by a tab, rows ended
 * by a newline; in text, backslash, tab, newline, carriage return and NUL escaped as {@code \\ \t
 * \n \r \0}; null as {@code \N}. Values are the engine's own text of what it stores: from MySQL the
 * text protocol's bytes (doubles as their shortest exact form, times as the column's precision
 * writes them); from SQLite integers in decimal, doubles as the shortest text that reads back to
 * the same double ({@code Infinity} and {@code -Infinity} as Java writes them), text as it is.
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
    OutputStream open(Catalog.TableInfo table) throws IOException;
  }

  /**
   * What was written of one table.
   *
   * @param rows rows written
   * @param storage for SQLite columns without a type affinity to restore their values by (declared
   *     without a type, as {@code sqlite_sequence}'s), the one storage class their values have
   *     ({@code integer}, {@code real}, {@code text}), and {@code blob} for a column of BLOBs,
   *     written in hex; absent when the column held only nulls
   */
  public record Written(long rows, Map<String, String> storage) {}

  /**
   * Writes every table of the catalog, in its order, from one consistent read on one connection
   * ({@link Dialect#beginConsistentRead}), while others keep writing.
   *
   * @return what was written per table, by name
   * @throws SnapshotException when a SQLite value cannot be written as text and read back the same
   *     (BLOBs mixed with other values in a column, or values of several storage classes in a
   *     column without type affinity)
   */
  public static Map<String, Written> dump(
      Database db, Catalog catalog, Sink sink, ProgressListener progress)
      throws SQLException, IOException {
    Dialect d = db.dialect();
    Map<String, Written> out = new LinkedHashMap<>();
    long[] done = {0};
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      d.beginConsistentRead(c);
      try {
        for (Catalog.TableInfo t : catalog.tables()) {
          try (OutputStream o = sink.open(t)) {
            long base = done[0];
            java.util.function.LongConsumer rowsDone = rows -> progress.onProgress(base + rows, -1);
            Written w =
                d.typesValuesDynamically()
                    ? sqliteText(c, t, d, o, rowsDone)
                    : new Written(text(c, t, d, o, rowsDone), Map.of());
            out.put(t.name(), w);
            done[0] += w.rows();
            progress.onProgress(done[0], -1);
          }
        }
      } finally {
        c.rollback();
      }
    }
    progress.onProgress(done[0], done[0]);
    return out;
  }

  private static String select(Catalog.TableInfo t, Dialect d) {
    return "SELECT "
        + String.join(", ", t.columnNames().stream().map(d::quote).toList())
        + " FROM "
        + d.quote(t.name());
  }

  /**
   * The letter that follows the backslash when the format escapes {@code b} (backslash, tab,
   * newline, carriage return, NUL), or -1 when {@code b} is written as it is. Every writer of the
   * format (the snapshots, MySQL's {@code LOAD DATA} stream, PostgreSQL's {@code COPY} input) uses
   * it.
   */
  public static byte escapeOf(byte b) {
    return switch (b) {
      case '\\' -> '\\';
      case '\t' -> 't';
      case '\n' -> 'n';
      case '\r' -> 'r';
      case 0 -> '0';
      default -> -1;
    };
  }

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

  /** A growing output buffer of one table's text. */
  private static final class Text {
    private final OutputStream out;
    byte[] buf = new byte[1 << 16];
    int pos;

    Text(OutputStream out) {
      this.out = out;
    }

    void room(int need) throws IOException {
      if (pos + need > buf.length) {
        out.write(buf, 0, pos);
        pos = 0;
        if (need > buf.length) {
          buf = new byte[need];
        }
      }
    }

    void nul() throws IOException {
      room(3);
      buf[pos++] = '\\';
      buf[pos++] = 'N';
    }

    /** A value's bytes, escaped where the format needs it. */
    void value(byte[] v) throws IOException {
      room(2 * v.length + 1);
      if (!needsEscape(v)) {
        System.arraycopy(v, 0, buf, pos, v.length);
        pos += v.length;
        return;
      }
      for (byte b : v) {
        byte e = escapeOf(b);
        if (e == -1) {
          buf[pos++] = b;
        } else {
          buf[pos++] = '\\';
          buf[pos++] = e;
        }
      }
    }

    void ascii(String s) throws IOException {
      room(s.length() + 1);
      for (int i = 0; i < s.length(); i++) {
        buf[pos++] = (byte) s.charAt(i);
      }
    }

    void end(boolean last) throws IOException {
      room(1);
      buf[pos++] = (byte) (last ? '\n' : '\t');
    }

    void flush() throws IOException {
      out.write(buf, 0, pos);
      pos = 0;
    }
  }

  /**
   * One MySQL table through the text protocol, whose values are already the file's text: integers
   * in decimal, doubles as the shortest text that reads back to the same double, times with the
   * column's fraction digits, text in UTF-8 (the connection's character set). Their bytes are
   * written as they come, escaped byte by byte (the escaped bytes never occur inside a UTF-8
   * sequence), with no value decoded or formatted here.
   */
  /** One table of a typed engine: by the engine's own bulk copy where it has one. */
  private static long text(
      Connection c,
      Catalog.TableInfo t,
      Dialect d,
      OutputStream out,
      java.util.function.LongConsumer rowsDone)
      throws SQLException, IOException {
    long copied = d.copyOutText(c, select(t, d), out);
    return copied >= 0 ? copied : rawText(c, t, d, out, rowsDone);
  }

  private static long rawText(
      Connection c,
      Catalog.TableInfo t,
      Dialect d,
      OutputStream out,
      java.util.function.LongConsumer rowsDone)
      throws SQLException, IOException {
    int n = t.columns().size();
    Text text = new Text(out);
    long rows = 0;
    try (java.sql.Statement st = d.createStreamingTextStatement(c)) {
      try (ResultSet rs = st.executeQuery(select(t, d))) {
        while (rs.next()) {
          for (int i = 0; i < n; i++) {
            byte[] v = rs.getBytes(i + 1);
            if (v == null) {
              text.nul();
            } else {
              text.value(v);
            }
            text.end(i == n - 1);
          }
          if (++rows % 50_000 == 0) {
            rowsDone.accept(rows);
          }
        }
      }
    }
    text.flush();
    return rows;
  }

  /**
   * One SQLite table, each value written so that it reads back as the same storage class and the
   * same value (see {@link SqliteValues}): what cannot be (a BLOB; several storage classes in a
   * column that has no type affinity to tell them apart) stops the snapshot with the table and
   * column, before it is listed.
   */
  private static Written sqliteText(
      Connection c,
      Catalog.TableInfo t,
      Dialect d,
      OutputStream out,
      java.util.function.LongConsumer rowsDone)
      throws SQLException, IOException {
    List<Catalog.ColumnInfo> cols = t.columns();
    int n = cols.size();
    Catalog.Affinity[] affinity = new Catalog.Affinity[n];
    String[] seen = new String[n];
    for (int i = 0; i < n; i++) {
      affinity[i] = cols.get(i).affinity();
    }
    Text text = new Text(out);
    long rows = 0;
    try (PreparedStatement ps = d.prepareStreaming(c, select(t, d));
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        for (int i = 0; i < n; i++) {
          Object v = rs.getObject(i + 1);
          if (v == null) {
            text.nul();
          } else {
            String kind = SqliteValues.storageClass(v);
            String why = SqliteValues.unkeepable(v, affinity[i], seen[i]);
            if (why != null) {
              throw new SnapshotException(
                  "table "
                      + t.name()
                      + " column "
                      + cols.get(i).name()
                      + " (row "
                      + (rows + 1)
                      + ") holds "
                      + why
                      + ", which the tsv format cannot keep exactly; use --format sqlite");
            }
            seen[i] = kind;
            if (v instanceof String s) {
              text.value(s.getBytes(StandardCharsets.UTF_8));
            } else if (v instanceof byte[] b) {
              text.ascii(java.util.HexFormat.of().formatHex(b));
            } else {
              text.ascii(SqliteValues.numberText(v));
            }
          }
          text.end(i == n - 1);
        }
        if (++rows % 50_000 == 0) {
          rowsDone.accept(rows);
        }
      }
    }
    text.flush();
    Map<String, String> storage = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      if ((affinity[i] == Catalog.Affinity.BLOB && seen[i] != null) || "blob".equals(seen[i])) {
        storage.put(cols.get(i).name(), seen[i]);
      }
    }
    return new Written(rows, storage);
  }

  /** A file name for a table's text: its own name when that is a safe file name. */
  public static List<String> fileNames(List<Catalog.TableInfo> tables) {
    List<String> out = new ArrayList<>();
    java.util.Set<String> used = new java.util.HashSet<>();
    for (int i = 0; i < tables.size(); i++) {
      String name = tables.get(i).name();
      String file =
          name.matches("[A-Za-z0-9_]{1,64}") && used.add(name.toLowerCase(java.util.Locale.ROOT))
              ? name + ".tsv"
              : String.format("table_%03d.tsv", i);
      out.add(file);
    }
    return out;
  }
}
