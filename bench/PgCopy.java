import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The baseline the benchmark holds expmgr's PostgreSQL snapshots and restores against: the raw
 * COPY of every table through the JDBC driver, nothing else.
 *
 * <pre>
 * java -cp postgresql.jar bench/PgCopy.java out JDBC_URL DIR   every table to DIR/TABLE.tsv, one
 *                                                               REPEATABLE READ transaction
 * java -cp postgresql.jar bench/PgCopy.java in JDBC_URL DIR    TRUNCATE the tables of DIR's files
 *                                                               that the target has, and COPY the
 *                                                               files in, one transaction
 * </pre>
 *
 * Prints the rows copied.
 */
public class PgCopy {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dir = Path.of(args[2]);
    long rows = 0;
    try (Connection c = DriverManager.getConnection(args[1])) {
      c.setAutoCommit(false);
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      if (mode.equals("out")) {
        try (Statement st = c.createStatement()) {
          st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        }
        Files.createDirectories(dir);
        for (String t : tables(c)) {
          try (OutputStream out =
              new BufferedOutputStream(Files.newOutputStream(dir.resolve(t + ".tsv")), 1 << 16)) {
            rows += copy.copyOut("COPY \"" + t + "\" TO STDOUT", out);
          }
        }
      } else {
        // The files of the tables the target has (another tool's bookkeeping tables aside).
        List<String> present = tables(c);
        List<String> tables = new ArrayList<>();
        try (var files = Files.list(dir)) {
          files.filter(f -> f.toString().endsWith(".tsv"))
              .map(f -> f.getFileName().toString().replace(".tsv", ""))
              .filter(present::contains)
              .forEach(tables::add);
        }
        try (Statement st = c.createStatement()) {
          st.execute("TRUNCATE " + String.join(", ", tables.stream().map(t -> "\"" + t + "\"").toList()));
        }
        for (String t : tables) {
          try (InputStream in =
              new BufferedInputStream(Files.newInputStream(dir.resolve(t + ".tsv")), 1 << 16)) {
            rows += copy.copyIn("COPY \"" + t + "\" FROM STDIN", in);
          }
        }
      }
      c.commit();
    }
    System.out.println(rows);
  }

  private static List<String> tables(Connection c) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    + " ORDER BY tablename")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
