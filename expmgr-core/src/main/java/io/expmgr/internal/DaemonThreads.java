package io.expmgr.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one owner of the threads expmgr starts beside a command's main thread (reading ahead,
 * counting, hashing, syncing files, checkpoints). Every one is a named daemon, so none keeps a
 * process alive after its work has ended, and every pool lets its threads go when idle, so a host
 * application that uses the library keeps no thread of ours between calls. Blocking work (file I/O,
 * a second connection) never runs on the common fork-join pool, whose one thread on a two-core
 * machine would serialize it. An architecture test holds the rest of the code to these methods.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** How long an idle pooled thread waits for work before it ends. */
  private static final long IDLE_SECONDS = 30;

  /** Threads for short blocking tasks, made on demand and ended when idle. */
  private static final ExecutorService SHARED =
      expiring(
          new ThreadPoolExecutor(
              0,
              Integer.MAX_VALUE,
              IDLE_SECONDS,
              TimeUnit.SECONDS,
              new SynchronousQueue<>(),
              named("expmgr-worker")));

  private static ThreadPoolExecutor expiring(ThreadPoolExecutor pool) {
    pool.allowCoreThreadTimeOut(pool.getCorePoolSize() > 0);
    return pool;
  }

  /** A factory of daemon threads all called {@code name}, for executors. */
  public static ThreadFactory named(String name) {
    return work -> {
      Thread t = new Thread(work, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Starts {@code work} on a new daemon thread called {@code name}. */
  public static Thread start(String name, Runnable work) {
    Thread t = named(name).newThread(work);
    t.start();
    return t;
  }

  /**
   * A pool of at most {@code threads} daemon threads called {@code name}, each ended after a while
   * idle: for a static executor that must not hold threads between calls, or for one the caller
   * shuts down when its work is done.
   */
  public static ExecutorService pool(String name, int threads) {
    return expiring(
        new ThreadPoolExecutor(
            threads,
            threads,
            IDLE_SECONDS,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            named(name)));
  }

  /** Runs a blocking task on a pooled daemon thread; the future completes with its value. */
  public static <T> CompletableFuture<T> supply(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, SHARED);
  }

  /** Runs a blocking task on a pooled daemon thread. */
  public static CompletableFuture<Void> run(Runnable work) {
    return CompletableFuture.runAsync(work, SHARED);
  }

  /**
   * Registers {@code work} to run when the JVM exits (cleaning up after a command killed by a
   * signal); returns the hook, for {@link #cancelOnExit}.
   */
  public static Thread onExit(String name, Runnable work) {
    Thread hook = new Thread(work, name);
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** Unregisters a hook of {@link #onExit} whose work is no longer needed; false while exiting. */
  public static boolean cancelOnExit(Thread hook) {
    try {
      return Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException exiting) {
      return false;
    }
  }
}
