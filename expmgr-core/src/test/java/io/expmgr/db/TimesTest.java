package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimesTest {
  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  @Test
  void theHandWrittenFormatAndParseAgreeWithTheJdk() {
    Random rnd = new Random(3);
    for (int i = 0; i < 20_000; i++) {
      LocalDateTime t =
          LocalDateTime.of(
              1 + rnd.nextInt(9_999),
              1 + rnd.nextInt(12),
              1 + rnd.nextInt(28),
              rnd.nextInt(24),
              rnd.nextInt(60),
              rnd.nextInt(60),
              rnd.nextInt(1_000_000) * 1000);
      String text = Times.format(t);
      assertThat(text).isEqualTo(REFERENCE.format(t));
      assertThat(Times.parse(text)).isEqualTo(t);
      assertThat(Times.parse(text.replace(' ', 'T'))).isEqualTo(t);
    }
  }

  @Test
  void otherFormsStillParseAndGarbageIsRefused() {
    assertThat(Times.parse("2024-02-29 10:11:12"))
        .isEqualTo(LocalDateTime.of(2024, 2, 29, 10, 11, 12));
    assertThat(Times.parse("2024-02-29 10:11:12.5"))
        .isEqualTo(LocalDateTime.of(2024, 2, 29, 10, 11, 12, 500_000_000));
    assertThat(Times.parse("2024-02-29")).isEqualTo(LocalDateTime.of(2024, 2, 29, 0, 0));
    assertThatThrownBy(() -> Times.parse("2024-13-01 10:11:12.000000"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Times.parse("yesterday")).isInstanceOf(IllegalArgumentException.class);
  }
}
