package io.expmgr.db;

import io.expmgr.ProgressListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
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
    List<Object[]> batch = new ArrayList<>(BATCH);
    try (PreparedStatement read =
            fromDialect.prepareStreaming(from, Sql.selectAll(t, fromDialect));
        ResultSet rs = read.executeQuery()) {
      while (rs.next()) {
        Object[] row = new Object[cols.size()];
        for (int i = 0; i < row.length; i++) {
          row[i] = Rows.read(rs, i + 1, cols.get(i).type(), fromDialect);
        }
        batch.add(row);
        n++;
        if (batch.size() == BATCH) {
          toDialect.bulkInsert(to, target, batch);
          batch.clear();
        }
      }
      toDialect.bulkInsert(to, target, batch);
    }
    return n;
  }
}
