package io.expmgr.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CopyTextTest {
  private static String filter(String... chunks) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CopyText.ToTsv f = new CopyText.ToTsv(out);
    for (String c : chunks) {
      byte[] b = c.getBytes(StandardCharsets.UTF_8);
      f.write(b, 0, b.length);
    }
    f.finish();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void postgresOwnEscapesBecomeTheBytesTheSnapshotFormatKeepsAsTheyAre() throws Exception {
    // COPY writes backspace, form feed and vertical tab escaped; the snapshot format does not.
    assertThat(filter("a\\bb\\fc\\vd")).isEqualTo("a\bb\fc\u000bd");
    // The escapes both formats share stay, and an escaped backslash is not an escape of 'b'.
    assertThat(filter("x\\\\b\\ty\\nz\\N")).isEqualTo("x\\\\b\\ty\\nz\\N");
  }

  @Test
  void anEscapeSplitAcrossWritesIsStillRead() throws Exception {
    assertThat(filter("end\\", "b", "é\\", "\\", "v")).isEqualTo("end\bé\\\\v");
    assertThat(filter("tail\\")).isEqualTo("tail\\");
  }
}
