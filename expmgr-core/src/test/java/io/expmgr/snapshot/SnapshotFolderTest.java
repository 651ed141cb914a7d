package io.expmgr.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.expmgr.db.ConnectionConfig;
import io.expmgr.db.Database;
import io.expmgr.db.OpenMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  @Test
  void anotherNameForTheSameServerFindsTheSameSnapshotsEvenWithTheServerDown() throws Exception {
    io.expmgr.support.MariaDbServer server = io.expmgr.support.MariaDbServer.get();
    String name = server.newDatabaseName("alias");
    ConnectionConfig first = server.config(name);
    io.expmgr.generate.DataGenerator.generate(
        first,
        new io.expmgr.generate.GenerateOptions(1, 1, 1, 2, 2, 2, 1, 3, 0, 0, 0),
        false,
        io.expmgr.ProgressListener.NONE);
    try {
      // Another spelling of the same server that is not a loopback name: this machine's name or
      // address (as a DNS alias would be).
      ConnectionConfig other = null;
      java.net.InetAddress me = java.net.InetAddress.getLocalHost();
      for (String host : List.of(me.getHostName(), me.getHostAddress())) {
        ConnectionConfig c =
            ConnectionConfig.mysql(
                host,
                first.port(),
                name,
                io.expmgr.support.MariaDbServer.APP_USER,
                io.expmgr.support.MariaDbServer.APP_PASSWORD);
        if (!c.storeIdentity().equals(first.storeIdentity()) && reachable(c)) {
          other = c;
          break;
        }
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(
          other != null, "the server is not reachable under a second name here");
      assertThat(SnapshotManager.defaultDirectory(other.withDatabase(name)))
          .isNotEqualTo(SnapshotManager.defaultDirectory(first));

      SnapshotManager byFirst = new SnapshotManager(Database.open(first, OpenMode.EXISTING), null);
      String id = byFirst.createSnapshot("taken through the first name").id();
      SnapshotManager byOther = new SnapshotManager(Database.open(other, OpenMode.EXISTING), null);
      assertThat(byOther.directory()).isEqualTo(byFirst.directory());
      assertThat(byOther.listSnapshots()).extracting(SnapshotInfo::id).containsExactly(id);
      // Later, with the server down (nothing opened): the other name still finds them.
      Path offline = SnapshotManager.defaultDirectory(other);
      assertThat(
              new SnapshotManager(Database.unopened(other), offline)
                  .listSnapshots().stream().map(SnapshotInfo::id))
          .containsExactly(id);
      // A snapshot through the other name lands beside the first.
      byOther.createSnapshot("taken through the other name");
      assertThat(byFirst.listSnapshots()).hasSize(2);
    } finally {
      server.dropDatabase(name);
    }
  }

  private static boolean reachable(ConnectionConfig c) {
    try {
      Database.open(c, OpenMode.EXISTING);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
