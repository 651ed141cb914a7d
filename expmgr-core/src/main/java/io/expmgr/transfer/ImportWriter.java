package io.expmgr.transfer;

import io.expmgr.db.Catalog;
import io.expmgr.db.Column;
import io.expmgr.db.Dialect;
import io.expmgr.internal.DaemonThreads;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the inserts on a thread of their own, so parsing the next rows overlaps with the engine
 * writing the last ones (two cores: about a third faster). Batches pass through a queue of two, so
 * memory stays flat; the connection is used by one thread at a time.
 */
final class ImportWriter implements AutoCloseable {
  private static final List<Map.Entry<Insert, List<Object[]>>> END = List.of();
  private final java.util.concurrent.ArrayBlockingQueue<List<Map.Entry<Insert, List<Object[]>>>>
      queue = new java.util.concurrent.ArrayBlockingQueue<>(2);
  private final Thread thread;
  private volatile Throwable failure;

  ImportWriter() {
    thread = DaemonThreads.start("import-writer", this::loop);
  }

  private void loop() {
    try {
      while (true) {
        var batch = queue.take();
        if (batch == END) {
          return;
        }
        if (failure == null) {
          for (var e : batch) {
            e.getKey().write(e.getValue());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      queue.clear();
    }
  }

  void submit(List<Map.Entry<Insert, List<Object[]>>> batch) throws SQLException {
    try {
      while (!queue.offer(batch, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        check();
        if (!thread.isAlive()) {
          throw new IllegalStateException("the import writer stopped");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    check();
  }

  /** Waits until every submitted batch is written; rethrows the writer's failure. */
  void finish() throws SQLException {
    submit(END);
    join();
    check();
  }

  private void check() throws SQLException {
    Throwable t = failure;
    if (t instanceof SQLException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
  }

  private void join() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (thread.isAlive()) {
      if (failure == null) {
        failure = new IllegalStateException("import abandoned");
      }
      queue.clear();
      queue.offer(END);
      join();
    }
  }

  /** The rows queued for one table, and how they are written. */
  static final class Insert {
    private final Dialect d;
    private final Connection c;
    private final String table;
    final List<String> columns;
    final int idColumn;
    private final Map<List<Column>, int[]> positions = new java.util.IdentityHashMap<>();
    private Long offset;

    Insert(Dialect d, Catalog catalog, Connection c, String table) {
      this.d = d;
      this.c = c;
      this.table = table;
      this.columns = catalog.table(table).orElseThrow().columnNames();
      int id = -1;
      for (int i = 0; i < columns.size(); i++) {
        if (columns.get(i).equalsIgnoreCase("id")) {
          id = i;
        }
      }
      this.idColumn = id;
    }

    /** For each column, its index among an element's fields, or -1 (a parent key). */
    int[] fieldPositions(List<Column> fields) {
      return positions.computeIfAbsent(
          fields,
          f -> {
            int[] out = new int[columns.size()];
            for (int i = 0; i < out.length; i++) {
              out[i] = -1;
              for (int j = 0; j < f.size(); j++) {
                if (f.get(j).name().equalsIgnoreCase(columns.get(i))) {
                  out[i] = j;
                }
              }
            }
            return out;
          });
    }

    long offset(Map<String, Long> offsets) {
      if (offset == null) {
        offset = offsets.get(ExperimentImporter.idKind(table));
      }
      return offset;
    }

    private List<Object[]> rows = new ArrayList<>();

    /** Queues a row (parser thread). */
    void add(Object[] row) {
      rows.add(row);
    }

    /** The rows queued since the last call (parser thread). */
    List<Object[]> take() {
      List<Object[]> out = rows;
      rows = new ArrayList<>(Math.max(16, out.size()));
      return out;
    }

    /** Writes rows, each value bound as it is (writer thread). */
    void write(List<Object[]> batch) throws SQLException {
      d.insertValues(c, table, columns, batch);
    }
  }
}
