package io.expmgr.support;

import io.expmgr.db.ConnectionConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A MySQL database as text, read independently of expmgr's code: every table's {@code SHOW CREATE
 * TABLE} (with the volatile {@code AUTO_INCREMENT=} counter left out), views and triggers, and
 * every row in key order as the server's own text of each value.
 */
public final class MysqlDump {
  private MysqlDump() {}

  public static String of(ConnectionConfig config) {
    MariaDbServer server = MariaDbServer.get();
    Properties p = new Properties();
    p.setProperty("user", config.user());
    p.setProperty("password", config.password());
    p.setProperty("characterEncoding", "UTF-8");
    p.setProperty("sslMode", "DISABLED");
    String url = "jdbc:mysql://" + server.host() + ":" + server.port() + "/" + config.database();
    try (Connection c = DriverManager.getConnection(url, p)) {
      StringBuilder out = new StringBuilder();
      List<String> tables = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA"
                      + " = DATABASE() ORDER BY TABLE_NAME")) {
        while (rs.next()) {
          if (rs.getString(2).equals("BASE TABLE")) {
            tables.add(rs.getString(1));
          } else {
            out.append("view ").append(rs.getString(1)).append('\n');
          }
        }
      }
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM"
                      + " information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1")) {
        while (rs.next()) {
          out.append("trigger ")
              .append(rs.getString(1))
              .append(" on ")
              .append(rs.getString(2))
              .append(": ")
              .append(rs.getString(3))
              .append('\n');
        }
      }
      for (String t : tables) {
        String ddl;
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SHOW CREATE TABLE `" + t + "`")) {
          rs.next();
          ddl = rs.getString(2).replaceAll(" AUTO_INCREMENT=[0-9]+", "");
        }
        out.append(ddl).append('\n');
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT * FROM `" + t + "` ORDER BY 1, 2")) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            for (int i = 1; i <= md.getColumnCount(); i++) {
              out.append(i > 1 ? " | " : "").append(rs.getString(i));
            }
            out.append('\n');
          }
        }
      }
      return out.toString();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot dump " + config.identity() + ": " + e.getMessage(), e);
    }
  }

  /** A dump without the tables whose names start with {@code prefix} (expmgr's own ledger). */
  public static String withoutTables(String dump, String prefix) {
    StringBuilder out = new StringBuilder();
    boolean skip = false;
    for (String line : dump.split("\n")) {
      if (line.startsWith("CREATE TABLE")) {
        skip = line.startsWith("CREATE TABLE `" + prefix);
      }
      if (!skip) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }
}
