package io.expmgr.db;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** How a file engine copies its database file consistently while others may write it. */
public interface FileCopy {

  /** Copies a database file that cannot change while it is being copied. */
  @FunctionalInterface
  interface FrozenFileCopier {
    /**
     * @param file the database file
     * @param length the bytes of the consistent state: the file's first {@code length} bytes
     */
    void copy(Path file, long length) throws IOException;
  }

  /** See {@link Database#backupFileTo}. */
  Map<String, Long> backup(Database db, Path destination, List<String> tables);

  /** See {@link Database#copyFrozenFile}. */
  Optional<Map<String, Long>> copyFrozen(Database db, List<String> tables, FrozenFileCopier copier)
      throws IOException;
}
