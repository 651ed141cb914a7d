package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class FailureReasonTest {
  @Test
  void aFailedBatchIsDescribedByItsOwnFailureNotByTheStatementsItQuotes() {
    BatchUpdateException batch =
        new BatchUpdateException(
            "Batch entry 0 INSERT INTO metric VALUES "
                + "(1, 'x'), ".repeat(5_000)
                + " was aborted",
            new int[0]);
    batch.setNextException(new SQLException("ERROR: invalid input syntax for type json"));
    assertThat(Database.reason(batch)).isEqualTo("ERROR: invalid input syntax for type json");
  }

  @Test
  void aLongReasonKeepsItsBeginningAndItsEnd() {
    String m = "start " + "x".repeat(10_000) + " the end";
    String r = Database.reason(new SQLException(m));
    assertThat(r).startsWith("start ").endsWith(" the end").contains(" ... ");
    assertThat(r.length()).isLessThan(420);
  }
}
