package io.expmgr.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashingOutputTest {
  @TempDir Path dir;

  @Test
  void theFileAndItsChecksumsAreThoseOfEveryByteInOrder() throws Exception {
    byte[] data = new byte[3_000_000];
    new Random(7).nextBytes(data);
    Path file = dir.resolve("T.tsv");
    List<Path> closed = new ArrayList<>();
    HashingOutput out = new HashingOutput(file, closed::add);
    // Pieces of every size, some larger than a chunk, a few single bytes.
    int at = 0;
    Random sizes = new Random(3);
    while (at < data.length) {
      int n = Math.min(data.length - at, sizes.nextInt(200_000));
      if (n == 1) {
        out.write(data[at]);
      } else {
        out.write(data, at, n);
      }
      at += n;
    }
    out.close();
    out.close();
    assertThat(closed).containsExactly(file);
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(out.size()).isEqualTo(data.length);
    assertThat(out.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
  }

  @Test
  void aFullDiskFailsTheWritesAndTheCloseAndTheFileIsNeverReportedWritten() throws Exception {
    Path full = Path.of("/dev/full");
    assumeTrue(Files.isWritable(full), "needs /dev/full");
    List<Path> closed = new ArrayList<>();
    HashingOutput out =
        new HashingOutput(
            dir.resolve("T.tsv"), FileChannel.open(full, StandardOpenOption.WRITE), closed::add);
    byte[] chunk = new byte[1 << 16];
    assertThatThrownBy(
            () -> {
              // The writing thread fails on the first chunk; a later write or the close says so.
              for (int i = 0; i < 100; i++) {
                out.write(chunk, 0, chunk.length);
              }
              out.close();
            })
        .isInstanceOf(IOException.class)
        .hasMessageContaining("No space left");
    assertThat(closed).isEmpty();
  }
}
