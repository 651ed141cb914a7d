package io.expmgr.db;

import io.expmgr.ProgressListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams every row of the model's tables from one database to another, of any engines, in batches:
 * memory stays flat whatever the size. The caller owns both connections and their transactions (a
 * consistent read on the source, one transaction or bulk settings on the target).
 */
public final class TableCopier {
  private static final int BATCH = 2_000;

  private TableCopier() {}

  /**
   * Copies all tables, parents first.
   *
   * @return rows copied per table
   */
  public static Map<String, Long> copy(
      Connection from,
      Dialect fromDialect,
      Connection to,
      Dialect toDialect,
      Schema schema,
      ProgressListener progress)
      throws SQLException {
    return copy(from, fromDialect, schema, to, toDialect, schema, progress);
  }

  /**
   * Copies the tables of {@code fromSchema} into the tables of {@code toSchema}, paired by position
   * (the same model under other names, such as shadow tables).
   */
  public static Map<String, Long> copy(
      Connection from,
      Dialect fromDialect,
      Schema fromSchema,
      Connection to,
      Dialect toDialect,
      Schema toSchema,
      ProgressListener progress)
      throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    long done = 0;
    for (int ti = 0; ti < fromSchema.tables().size(); ti++) {
      Table target = toSchema.tables().get(ti);
      long n = copyTable(from, fromDialect, fromSchema.tables().get(ti), to, toDialect, target);
      counts.put(target.name(), n);
      done += n;
      progress.onProgress(done, -1);
    }
    progress.onProgress(done, done);
    return counts;
  }

  /** Copies the rows of one table into another of the same columns; returns how many. */
  public static long copyTable(
      Connection from, Dialect fromDialect, Table t, Connection to, Dialect toDialect, Table target)
      throws SQLException {
    long n = 0;
    List<Column> cols = t.columns();
    try (PreparedStatement read =
            fromDialect.prepareStreaming(from, Sql.selectAll(t, fromDialect));
        ResultSet rs = read.executeQuery();
        PreparedStatement write = to.prepareStatement(Sql.insert(target, toDialect))) {
      int pending = 0;
      while (rs.next()) {
        for (int i = 0; i < cols.size(); i++) {
          ColumnType type = cols.get(i).type();
          Rows.bind(write, i + 1, type, Rows.read(rs, i + 1, type, fromDialect), toDialect);
        }
        write.addBatch();
        n++;
        if (++pending == BATCH) {
          write.executeBatch();
          pending = 0;
        }
      }
      if (pending > 0) {
        write.executeBatch();
      }
    }
    return n;
  }
}
