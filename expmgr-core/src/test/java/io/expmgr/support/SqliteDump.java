package io.expmgr.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A SQLite database as text, read independently of expmgr's own code: plain JDBC on the file, every
 * schema object with its DDL text in {@code sqlite_master} order, every row of every table in
 * storage order with each value's storage class and exact value (doubles by their bits), and the
 * settings a copy must keep. Two databases with the same dump hold the same thing, byte for byte in
 * every value.
 */
public final class SqliteDump {
  private SqliteDump() {}

  public static String of(Path file) {
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:sqlite:file:" + file + "?mode=ro", new java.util.Properties())) {
      StringBuilder out = new StringBuilder();
      for (String pragma :
          List.of(
              "page_size",
              "encoding",
              "user_version",
              "application_id",
              "auto_vacuum",
              "journal_mode")) {
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("PRAGMA " + pragma)) {
          out.append("PRAGMA ")
              .append(pragma)
              .append('=')
              .append(rs.next() ? rs.getString(1) : "")
              .append('\n');
        }
      }
      List<String> tables = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")) {
        while (rs.next()) {
          out.append(rs.getString(1))
              .append(' ')
              .append(rs.getString(2))
              .append(" on ")
              .append(rs.getString(3))
              .append(": ")
              .append(rs.getString(4))
              .append('\n');
          if ("table".equals(rs.getString(1))) {
            tables.add(rs.getString(2));
          }
        }
      }
      for (String t : tables) {
        out.append("-- rows of ").append(t).append('\n');
        rows(c, t, out);
      }
      return out.toString();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot dump " + file + ": " + e.getMessage(), e);
    }
  }

  private static void rows(Connection c, String table, StringBuilder out) throws SQLException {
    String q = '"' + table.replace("\"", "\"\"") + '"';
    List<String> cols = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT name FROM pragma_table_info('"
                    + table.replace("'", "''")
                    + "') ORDER BY cid")) {
      while (rs.next()) {
        cols.add('"' + rs.getString(1).replace("\"", "\"\"") + '"');
      }
    }
    StringBuilder select = new StringBuilder("SELECT ");
    for (int i = 0; i < cols.size(); i++) {
      select
          .append(i > 0 ? ", " : "")
          .append("typeof(")
          .append(cols.get(i))
          .append("), ")
          .append(cols.get(i));
    }
    select.append(" FROM ").append(q);
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(select.toString())) {
      while (rs.next()) {
        for (int i = 0; i < cols.size(); i++) {
          String type = rs.getString(2 * i + 1);
          out.append(i > 0 ? " | " : "").append(type).append(':');
          switch (type) {
            case "real" ->
                out.append(Long.toHexString(Double.doubleToRawLongBits(rs.getDouble(2 * i + 2))));
            case "blob" -> out.append(java.util.HexFormat.of().formatHex(rs.getBytes(2 * i + 2)));
            case "null" -> out.append("NULL");
            default -> out.append(rs.getString(2 * i + 2));
          }
        }
        out.append('\n');
      }
    }
  }

  /**
   * A dump without the tables (their schema lines, rows and {@code sqlite_sequence} row) whose
   * names start with {@code prefix}: expmgr's own ledger, which records every run, as it should.
   */
  public static String withoutTables(String dump, String prefix) {
    StringBuilder out = new StringBuilder();
    boolean skipping = false;
    boolean sequence = false;
    for (String line : dump.split("\n")) {
      if (line.startsWith("-- rows of ")) {
        String table = line.substring("-- rows of ".length());
        skipping = table.startsWith(prefix);
        sequence = table.equals("sqlite_sequence");
        if (skipping) {
          continue;
        }
      } else if (line.matches(
          "(table|index|trigger|view) \\S+ on " + java.util.regex.Pattern.quote(prefix) + ".*")) {
        continue;
      } else if (skipping || (sequence && line.startsWith("text:" + prefix))) {
        continue;
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }

  /** The first lines where two dumps differ, for a readable failure; empty when they are equal. */
  public static String difference(String expected, String actual) {
    List<String> a = expected.lines().toList();
    List<String> b = actual.lines().toList();
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < Math.max(a.size(), b.size()) && shown < 5; i++) {
      String x = i < a.size() ? a.get(i) : "<none>";
      String y = i < b.size() ? b.get(i) : "<none>";
      if (!x.equals(y)) {
        out.append("line ")
            .append(i + 1)
            .append(":\n  expected ")
            .append(x)
            .append("\n  actual   ")
            .append(y)
            .append('\n');
        shown++;
      }
    }
    return out.toString();
  }

  /** {@code sqlite3 FILE .dump}, or null when the sqlite3 shell is not installed. */
  public static String shellDump(Path file) {
    try {
      Process p =
          new ProcessBuilder("sqlite3", "-readonly", file.toString(), ".dump")
              .redirectErrorStream(true)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
