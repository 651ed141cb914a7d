package io.expmgr.db;

import io.expmgr.ProgressListener;
import io.expmgr.internal.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams every row of the model's tables from one database to another, of any engines, in batches:
 * memory stays flat whatever the size. The caller owns both connections and their transactions (a
 * consistent read on the source, one transaction or bulk settings on the target).
 */
final class TableCopier {
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
   *
   * <p>A reader thread decodes the source's rows while the calling thread writes the previous
   * batch: the two halves of the work run on two cores. At most {@link #QUEUE} batches wait between
   * them, so memory stays flat. The reader uses {@code from} alone, and is finished when this
   * returns or throws.
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
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE);
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader =
        DaemonThreads.start(
            "expmgr-copy-reader", () -> read(from, fromDialect, fromSchema, queue, stop));
    Map<String, Long> counts = new LinkedHashMap<>();
    toSchema.tables().forEach(t -> counts.put(t.name(), 0L));
    long done = 0;
    boolean interrupted = false;
    try {
      for (Chunk c = queue.take(); !c.isEnd(); c = queue.take()) {
        if (c.error() != null) {
          if (c.error() instanceof SQLException e) {
            throw e;
          }
          throw c.error() instanceof RuntimeException re
              ? re
              : new IllegalStateException(c.error());
        }
        Table target = toSchema.tables().get(c.table());
        toDialect.bulkInsert(to, target, c.rows());
        counts.merge(target.name(), (long) c.rows().size(), Long::sum);
        done += c.rows().size();
        progress.onProgress(done, -1);
      }
    } catch (InterruptedException e) {
      interrupted = true;
      throw new SQLException("the copy was interrupted", e);
    } finally {
      stop.set(true);
      queue.clear();
      // The reader may still be streaming: it stops at its next batch, and must be done with the
      // source connection before the caller ends its transaction.
      while (reader.isAlive()) {
        try {
          reader.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    progress.onProgress(done, done);
    return counts;
  }

  private static final int QUEUE = 8;

  /** A batch of one table's rows, the end of all tables, or the reader's failure. */
  private record Chunk(int table, List<Object[]> rows, Throwable error) {
    static final Chunk END = new Chunk(-1, List.of(), null);

    boolean isEnd() {
      return this == END;
    }
  }

  private static void read(
      Connection from, Dialect d, Schema schema, BlockingQueue<Chunk> queue, AtomicBoolean stop) {
    try {
      for (int ti = 0; ti < schema.tables().size(); ti++) {
        Table t = schema.tables().get(ti);
        List<Column> cols = t.columns();
        List<Object[]> batch = new ArrayList<>(BATCH);
        try (PreparedStatement read = d.prepareStreaming(from, Sql.selectAll(t, d));
            ResultSet rs = read.executeQuery()) {
          while (rs.next()) {
            Object[] row = new Object[cols.size()];
            for (int i = 0; i < row.length; i++) {
              row[i] = Rows.read(rs, i + 1, cols.get(i).type(), d);
            }
            batch.add(row);
            if (batch.size() == BATCH) {
              if (!put(queue, new Chunk(ti, batch, null), stop)) {
                return;
              }
              batch = new ArrayList<>(BATCH);
            }
          }
        }
        if (!batch.isEmpty() && !put(queue, new Chunk(ti, batch, null), stop)) {
          return;
        }
      }
      put(queue, Chunk.END, stop);
    } catch (SQLException | RuntimeException e) {
      put(queue, new Chunk(-1, List.of(), e), stop);
    }
  }

  /** Hands a chunk over; false when the writer has stopped. */
  private static boolean put(BlockingQueue<Chunk> queue, Chunk c, AtomicBoolean stop) {
    try {
      while (!stop.get()) {
        if (queue.offer(c, 100, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }
}
