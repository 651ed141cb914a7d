package io.expmgr.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Ctrl-C (and SIGTERM) during a batch run: the first one asks the run to stop after its current
 * batch, which commits with its checkpoint; a second one ends the process at once, which loses
 * nothing either, since a batch that has not committed is rolled back by the database.
 */
final class StopSignal implements AutoCloseable {
  private final AtomicBoolean requested = new AtomicBoolean();
  private final java.util.List<Signal> handled = new java.util.ArrayList<>();
  private final java.util.List<sun.misc.SignalHandler> previous = new java.util.ArrayList<>();

  StopSignal(PrintStream err) {
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal s = new Signal(name);
        previous.add(
            Signal.handle(
                s,
                sig -> {
                  if (requested.getAndSet(true)) {
                    err.println("\nStopping now; the unfinished batch is rolled back.");
                    err.flush();
                    Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
                  }
                  err.println(
                      "\nStopping after the current batch (press Ctrl-C again to stop at once)...");
                  err.flush();
                }));
        handled.add(s);
      } catch (IllegalArgumentException e) {
        // The signal is not available here (or reserved by the JVM): Ctrl-C ends the process,
        // which is still safe.
      }
    }
  }

  boolean requested() {
    return requested.get();
  }

  @Override
  public void close() {
    for (int i = 0; i < handled.size(); i++) {
      Signal.handle(handled.get(i), previous.get(i));
    }
  }
}
