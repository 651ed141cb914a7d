package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TsvReaderTest {
  private static final List<Column> COLUMNS =
      List.of(
          new Column("id", ColumnType.ID, false),
          new Column("n", ColumnType.INT, true),
          new Column("name", ColumnType.TEXT, true),
          new Column("value", ColumnType.DOUBLE, true),
          new Column("at", ColumnType.TIMESTAMP, true));

  private static List<Object[]> read(String text) throws IOException {
    List<Object[]> rows = new ArrayList<>();
    try (TsvReader r =
        new TsvReader(
            new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), COLUMNS, "T.tsv")) {
      for (Object[] row = r.next(); row != null; row = r.next()) {
        rows.add(row);
      }
      assertThat(r.count()).isEqualTo(rows.size());
    }
    return rows;
  }

  @Test
  void readsEscapesNullsAndEachColumnType() throws IOException {
    List<Object[]> rows =
        read(
            "1\t-7\ttab\\there\\nnew \\\\ \\0 \\r \u00e9\uD83D\uDE80\t0.1\t2024-02-29 23:59:59.000001\n"
                + "-9223372036854775808\t\\N\t\\N\t-1.0E-300\t\\N\n"
                + "9223372036854775807\t0\t\tInfinity\t2024-01-01 00:00:00.000000\n");
    assertThat(rows.get(0))
        .containsExactly(
            1L,
            -7,
            "tab\there\nnew \\ \0 \r \u00e9\uD83D\uDE80",
            0.1,
            LocalDateTime.of(2024, 2, 29, 23, 59, 59, 1000));
    assertThat(rows.get(1)).containsExactly(Long.MIN_VALUE, null, null, -1.0E-300, null);
    assertThat(rows.get(2))
        .containsExactly(
            Long.MAX_VALUE, 0, "", Double.POSITIVE_INFINITY, LocalDateTime.of(2024, 1, 1, 0, 0));
    assertThat(read("")).isEmpty();
  }

  @Test
  void damageIsNamedWithItsFileAndLine() {
    String good = "1\t2\tx\t0.5\t\\N\n";
    assertThatThrownBy(() -> read(good + "2\t3\tx\t0.5\n"))
        .isInstanceOf(IOException.class)
        .hasMessage("T.tsv line 2: 4 fields, expected 5");
    assertThatThrownBy(() -> read(good + "2\t3\tx\t0.5\t\\N\textra\n"))
        .hasMessage("T.tsv line 2: more than 5 fields");
    assertThatThrownBy(() -> read(good + "2\t3\tx\t0.5\t\\N"))
        .hasMessageContaining("line 2: the last row has no line end");
    assertThatThrownBy(() -> read("1\t2\tbad \\q escape\t0.5\t\\N\n"))
        .hasMessage("T.tsv line 1: unknown escape \\q");
    assertThatThrownBy(() -> read("1\t2\tx\\N\t0.5\t\\N\n")).hasMessageContaining("\\N inside");
    assertThatThrownBy(() -> read("1\t2\t\\Nx\t0.5\t\\N\n")).hasMessageContaining("\\N followed");
    assertThatThrownBy(() -> read("1x\t2\tx\t0.5\t\\N\n"))
        .hasMessage("T.tsv line 1: id is not a valid id: 1x");
    assertThatThrownBy(() -> read("99999999999999999999\t2\tx\t0.5\t\\N\n"))
        .hasMessageContaining("id is not a valid id");
    assertThatThrownBy(() -> read("1\t3000000000\tx\t0.5\t\\N\n"))
        .hasMessageContaining("n is not a valid int");
    assertThatThrownBy(() -> read("1\t2\tx\tabc\t\\N\n"))
        .hasMessageContaining("value is not a valid double: abc");
    assertThatThrownBy(() -> read("1\t2\tx\t0.5\tyesterday\n"))
        .hasMessageContaining("at is not a valid timestamp: yesterday");
    assertThatThrownBy(() -> read("1\t\t\t0.5\t\\N\n"))
        .hasMessageContaining("n is not a valid int");
  }
}
