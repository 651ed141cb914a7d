package io.expmgr.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging of a command run: everything at DEBUG into {@code
 * $EXPMGR_HOME/logs/migration_<timestamp>.log}, and on the console only warnings (everything from
 * INFO with {@code --verbose}). Errors are printed by the command line itself, once, so the console
 * appender leaves them out.
 */
final class LogSetup {
  private static Path logFile;

  private LogSetup() {}

  /** The log file of this run, or null when logs could not be written. */
  static Path logFile() {
    return logFile;
  }

  static synchronized void init(boolean verbose) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    ctx.reset();
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    ctx.getLogger("io.expmgr").setLevel(Level.DEBUG);
    ctx.getLogger("org.flywaydb").setLevel(Level.INFO);
    ctx.getLogger("ch.vorburger").setLevel(Level.WARN);

    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(ctx);
    console.setTarget("System.err");
    PatternLayoutEncoder consoleEncoder = new PatternLayoutEncoder();
    consoleEncoder.setContext(ctx);
    consoleEncoder.setPattern(
        verbose ? "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n" : "warning: %msg%n");
    consoleEncoder.start();
    console.setEncoder(consoleEncoder);
    if (verbose) {
      ThresholdFilter info = new ThresholdFilter();
      info.setLevel("INFO");
      info.start();
      console.addFilter(info);
    } else {
      console.addFilter(new WarnOnly());
    }
    console.start();
    root.addAppender(console);

    Path file = null;
    try {
      Path dir = io.expmgr.internal.ExpmgrHome.path().resolve("logs");
      Files.createDirectories(dir);
      // Logs name databases, hosts and users: readable by their owner only.
      ownerOnly(dir, "rwx------");
      file =
          dir.resolve(
              "migration_"
                  + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
                  + ".log");
      if (!Files.exists(file)) {
        try {
          Files.createFile(file);
        } catch (java.nio.file.FileAlreadyExistsException sameSecond) {
          // another run of the same second: appended to
        }
      }
      ownerOnly(file, "rw-------");
      FileAppender<ILoggingEvent> fa = new FileAppender<>();
      fa.setContext(ctx);
      fa.setFile(file.toString());
      fa.setAppend(true);
      PatternLayoutEncoder enc = new PatternLayoutEncoder();
      enc.setContext(ctx);
      enc.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
      enc.start();
      fa.setEncoder(enc);
      fa.start();
      if (!fa.isStarted()) {
        throw new IOException("cannot open " + file);
      }
      root.addAppender(fa);
    } catch (IOException | RuntimeException e) {
      file = null;
      LoggerFactory.getLogger(LogSetup.class).warn("logs are not written: {}", e.getMessage());
    }
    logFile = file;
  }

  private static void ownerOnly(Path p, String perms) {
    try {
      Files.setPosixFilePermissions(
          p, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system, or not ours: left as it is
    }
  }

  /** Lets WARN through, nothing else. */
  private static final class WarnOnly extends Filter<ILoggingEvent> {
    WarnOnly() {
      start();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
      return event.getLevel() == Level.WARN ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
  }
}
