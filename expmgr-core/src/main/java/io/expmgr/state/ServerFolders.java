package io.expmgr.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot folder per server database, whatever name reached the server. The first folder used
 * for a server database claims it (a file under {@code snapshots/.servers/} that names the folder);
 * a connection through another name (a DNS alias, an address) that has no folder of its own gets a
 * link to the claimed one, so that it finds the same snapshots later even with the server down.
 */
final class ServerFolders {
  private static final Logger log = LoggerFactory.getLogger(ServerFolders.class);

  private ServerFolders() {}

  /**
   * @param byName the folder named after the connection's host, port and database
   * @param server the server and database ({@code Database#serverIdentity})
   * @return the folder to use
   */
  static Path resolve(Path byName, String server) {
    Path root = byName.getParent();
    Path claim =
        root.resolve(".servers")
            .resolve(
                DatabaseFolders.sha256(server.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
    try {
      Path claimed = read(claim, root);
      if (claimed == null || !Files.isDirectory(claimed)) {
        // First use (or its folder was removed): this name's folder speaks for the server.
        write(claim, byName, claimed != null);
        claimed = read(claim, root);
        if (claimed == null) {
          return byName;
        }
      }
      if (claimed.equals(byName)) {
        return byName;
      }
      if (Files.exists(byName, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.isSymbolicLink(byName)) {
          return claimed;
        }
        log.info(
            "snapshots of this database are in two folders, {} and {} (made before expmgr"
                + " knew they are one server); using the first",
            byName,
            claimed);
        return byName;
      }
      Files.createSymbolicLink(byName, byName.getParent().relativize(claimed));
      log.info("{} reaches the server whose snapshots are in {}", byName.getFileName(), claimed);
      return claimed;
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("snapshot folder by server name unavailable: {}", e.getMessage());
      return byName;
    }
  }

  private static Path read(Path claim, Path root) throws IOException {
    if (!Files.isRegularFile(claim)) {
      return null;
    }
    String name = Files.readString(claim, StandardCharsets.UTF_8).trim();
    if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      return null;
    }
    return root.resolve(name);
  }

  private static void write(Path claim, Path folder, boolean replace) throws IOException {
    Files.createDirectories(claim.getParent());
    if (!Files.isDirectory(folder)) {
      // A link left to a folder that was removed.
      if (Files.isSymbolicLink(folder)) {
        Files.delete(folder);
      }
      Files.createDirectories(folder);
      DatabaseFolders.restrict(folder, true);
    }
    byte[] name = folder.getFileName().toString().getBytes(StandardCharsets.UTF_8);
    if (replace) {
      Path tmp =
          claim.resolveSibling(claim.getFileName() + ".tmp-" + ProcessHandle.current().pid());
      Files.write(tmp, name);
      Files.move(
          tmp,
          claim,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return;
    }
    try {
      // Two first runs at once: one claim wins, the other reads it.
      Files.write(claim, name, java.nio.file.StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      // the other run's claim stands
    }
  }
}
