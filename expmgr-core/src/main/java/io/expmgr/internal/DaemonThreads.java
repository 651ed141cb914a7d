package io.expmgr.internal;

import java.util.concurrent.ThreadFactory;

/**
 * Named daemon threads, for the work that runs beside a command's main thread (reading ahead,
 * counting, checkpoints): they never keep the process alive after the command has ended.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

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
}
