package io.expmgr.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.db.ConnectionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database's snapshot folder names the database, not who connects or how. */
class SnapshotFolderTest {
  @TempDir Path dir;
  private String home;

  @BeforeEach
  void home() {
    home = System.getProperty("expmgr.home");
    System.setProperty("expmgr.home", dir.resolve("home").toString());
  }

  @AfterEach
  void restore() {
    if (home == null) {
      System.clearProperty("expmgr.home");
    } else {
      System.setProperty("expmgr.home", home);
    }
  }

  @Test
  void theBackupAccountAndTheAnalystFindTheSameSnapshots() throws Exception {
    Path cron =
        SnapshotManager.defaultDirectory(
            ConnectionConfig.mysql("127.0.0.1", 3306, "experiments", "backup_user", "x"));
    Path analyst =
        SnapshotManager.defaultDirectory(
            ConnectionConfig.mysql("localhost", 3306, "experiments", "analyst", null));
    Path v6 =
        SnapshotManager.defaultDirectory(
            ConnectionConfig.mysql("::1", 0, "experiments", "root", null));
    assertThat(analyst).isEqualTo(cron).isEqualTo(v6);
    assertThat(
            SnapshotManager.defaultDirectory(
                ConnectionConfig.mysql("localhost", 3307, "experiments", "analyst", null)))
        .isNotEqualTo(cron);
    assertThat(
            SnapshotManager.defaultDirectory(
                ConnectionConfig.mysql("localhost", 3306, "other", "analyst", null)))
        .isNotEqualTo(cron);

    Path file = Files.createFile(dir.resolve("x.db"));
    Path link = Files.createSymbolicLink(dir.resolve("link.db"), file);
    assertThat(SnapshotManager.defaultDirectory(ConnectionConfig.sqlite(link)))
        .isEqualTo(SnapshotManager.defaultDirectory(ConnectionConfig.sqlite(file)));
  }

  @Test
  void snapshotsFiledByAnEarlierExpmgrUnderTheUserAreStillFound() throws Exception {
    ConnectionConfig c = ConnectionConfig.mysql("db.example.com", 3306, "exp", "analyst", null);
    Path current = SnapshotManager.defaultDirectory(c);
    // The earlier name: the identity with the user in it.
    String identity = c.identity();
    String slug = identity.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^_+", "");
    Path legacy =
        current.resolveSibling(
            slug
                + "-"
                + java.util.HexFormat.of()
                    .formatHex(
                        java.security.MessageDigest.getInstance("SHA-256")
                            .digest(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .substring(0, 8));
    assertThat(legacy).isNotEqualTo(current);
    Files.createDirectories(legacy);
    assertThat(SnapshotManager.defaultDirectory(c)).isEqualTo(legacy);
  }
}
