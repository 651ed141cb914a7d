package io.expmgr.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.db.Times;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** Sample values as reports show them, whatever type the driver returned. */
class SqlChecksTest {
  @Test
  void driverValuesBecomePlainValuesAndTimesTheFormExpmgrWrites() {
    LocalDateTime t = LocalDateTime.of(2024, 1, 1, 0, 0, 2);
    // MySQL's and PostgreSQL's drivers return a Timestamp, whose own text ends in ".0".
    assertThat(SqlChecks.plain(Timestamp.valueOf(t))).isEqualTo(Times.format(t));
    assertThat(SqlChecks.plain(t)).isEqualTo(Times.format(t));
    assertThat(SqlChecks.plain(Timestamp.valueOf(t.withNano(123_456_000))))
        .isEqualTo(Times.format(t.withNano(123_456_000)));
    assertThat(SqlChecks.plain(7)).isEqualTo(7L);
    assertThat(SqlChecks.plain(0.5f)).isEqualTo(0.5);
    assertThat(SqlChecks.plain(new BigDecimal("2.25"))).isEqualTo(2.25);
    assertThat(SqlChecks.plain(null)).isNull();
    assertThat(SqlChecks.plain("x")).isEqualTo("x");
  }
}
