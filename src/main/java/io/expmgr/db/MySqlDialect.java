package io.expmgr.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;

/** MySQL and MariaDB through MySQL Connector/J. */
public final class MySqlDialect implements Dialect {
  public static final MySqlDialect INSTANCE = new MySqlDialect();

  private MySqlDialect() {}

  @Override
  public Engine engine() {
    return Engine.MYSQL;
  }

  @Override
  public String quote(String identifier) {
    return '`' + identifier.replace("`", "``") + '`';
  }

  @Override
  public String sqlType(ColumnType type) {
    return switch (type) {
      case ID -> "BIGINT";
      case INT -> "INT";
      // Indexable: 255 utf8mb4 characters stay under InnoDB's key length limit.
      case SHORT_TEXT -> "VARCHAR(255)";
      case TEXT -> "LONGTEXT";
      case DOUBLE -> "DOUBLE";
      case TIMESTAMP -> "DATETIME(6)";
    };
  }

  @Override
  public String autoIncrement() {
    return " AUTO_INCREMENT";
  }

  @Override
  public String tableOptions(Table table) {
    // Binary collation: 'A' and 'a', or 'e' and 'é', are different labels and titles.
    return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  }

  @Override
  public boolean supportsTransactionalDdl() {
    return false;
  }

  @Override
  public void setTime(PreparedStatement ps, int index, LocalDateTime time) throws SQLException {
    if (time == null) {
      ps.setNull(index, Types.TIMESTAMP);
    } else {
      // LocalDateTime is sent as written, with no time-zone conversion.
      ps.setObject(index, time);
    }
  }

  @Override
  public LocalDateTime getTime(ResultSet rs, int index) throws SQLException {
    return rs.getObject(index, LocalDateTime.class);
  }

  @Override
  public LocalDateTime getTime(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, LocalDateTime.class);
  }

  @Override
  public PreparedStatement prepareStreaming(Connection connection, String sql) throws SQLException {
    PreparedStatement ps =
        connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    // Connector/J's signal for row-by-row streaming instead of reading the whole result.
    ps.setFetchSize(Integer.MIN_VALUE);
    return ps;
  }

  @Override
  public void tuneForBulkLoad(Connection connection) throws SQLException {
    Dialect.execute(connection, "SET SESSION foreign_key_checks=0", "SET SESSION unique_checks=0");
  }

  @Override
  public String defaultClause(String text) {
    // MySQL 8 takes a default for a TEXT column only as an expression; MariaDB takes both.
    return " DEFAULT ('" + text.replace("\\", "\\\\").replace("'", "''") + "')";
  }

  @Override
  public boolean tryNamedLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT GET_LOCK(?, 0)")) {
      // Lock names are at most 64 characters.
      ps.setString(1, name.length() > 64 ? name.substring(name.length() - 64) : name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getInt(1) == 1;
      }
    }
  }

  @Override
  public String lockingReadSuffix() {
    return " FOR UPDATE";
  }

  @Override
  public void beginConsistentRead(Connection connection) throws SQLException {
    Dialect.execute(
        connection,
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  }

  @Override
  public void suspendForeignKeyChecks(Connection connection) throws SQLException {
    Dialect.execute(connection, "SET SESSION foreign_key_checks=0");
  }

  @Override
  public void resumeForeignKeyChecks(Connection connection) throws SQLException {
    Dialect.execute(connection, "SET SESSION foreign_key_checks=1");
  }
}
