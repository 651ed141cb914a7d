package io.expmgr.support;

import io.expmgr.ProgressListener;
import io.expmgr.db.ConnectionConfig;
import io.expmgr.generate.DataGenerator;
import io.expmgr.generate.GenerateOptions;
import io.expmgr.generate.GenerateOptions.Layout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The databases our users have: the two files the experiment tracker's own code wrote (test
 * resources {@code fixtures/tracker/}), and databases generated in the tracker's layouts.
 */
public final class TrackerFixtures {
  private TrackerFixtures() {}

  /** The tracker's 1.0 API database: 4 experiments, every level, Unicode, no batch level. */
  public static final String API_1_0 = "tracker-1.0-api.db";

  /** The tracker's latest version, its MNIST test fixture: with the batch level. */
  public static final String BATCH_MNIST = "tracker-batch-mnist.db";

  public static final List<String> FILES = List.of(API_1_0, BATCH_MNIST);

  /** A writable copy of a fixture in {@code dir}. */
  public static Path copy(String name, Path dir) {
    Path target = dir.resolve(name);
    try (InputStream in = TrackerFixtures.class.getResourceAsStream("/fixtures/tracker/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no fixture " + name);
      }
      Files.createDirectories(dir);
      Files.copy(in, target);
      target.toFile().setWritable(true);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A small tracker-layout shape with the batch level, final test metrics on epoch N of every run
   * and, with {@code planted}, orphans (batch level included) and bad per-label values.
   */
  public static GenerateOptions batchShape(long seed, boolean planted) {
    return new GenerateOptions(
            2, 2, 2, 3, 2, 3, 1, seed, planted ? 3 : 0, planted ? 10 : 0, planted ? 3 : 0)
        .withLayout(Layout.TRACKER_BATCH, 2, 1, 2);
  }

  /** The same shape in the tracker's 1.0 layout (no batch level). */
  public static GenerateOptions plainShape(long seed) {
    return new GenerateOptions(2, 2, 2, 3, 2, 3, 1, seed, 0, 0, 0)
        .withLayout(Layout.TRACKER, 0, 0, 2);
  }

  /** Generates a database in {@code config} with the shape. */
  public static ConnectionConfig generate(ConnectionConfig config, GenerateOptions shape) {
    DataGenerator.generate(config, shape, false, ProgressListener.NONE);
    return config;
  }
}
