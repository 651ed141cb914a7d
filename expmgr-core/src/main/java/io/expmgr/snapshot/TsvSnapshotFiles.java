package io.expmgr.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import io.expmgr.SnapshotException;
import io.expmgr.db.Catalog;
import io.expmgr.db.TsvReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The files of a {@code tsv} snapshot: listed from its manifest, read back, checked. */
final class TsvSnapshotFiles {
  private TsvSnapshotFiles() {}

  /** One file of a TSV snapshot: its SHA-256, its rows parsed, and their number; null when good. */
  static String checkTsvFile(
      io.expmgr.db.Restorer.TsvFile f,
      SnapshotManager.Source source,
      String sha256,
      Map<String, Long> rowCounts) {
    String name = f.path().getFileName().toString();
    MessageDigest md = SnapshotFiles.digest();
    long rows;
    try (var in =
            new java.security.DigestInputStream(
                new java.io.BufferedInputStream(Files.newInputStream(f.path()), 1 << 16), md);
        TsvReader r = reader(in, f, source)) {
      try {
        while (r.next() != null) {
          // every row must parse
        }
      } catch (IOException bad) {
        // A damaged file is named by its checksum first; a parse error says where.
        in.transferTo(java.io.OutputStream.nullOutputStream());
        return sha256.equals(HexFormat.of().formatHex(md.digest()))
            ? bad.getMessage()
            : "checksum of "
                + name
                + " differs from the manifest (the file was changed or damaged)";
      }
      rows = r.count();
    } catch (IOException e) {
      return "cannot read " + name + ": " + e.getMessage();
    }
    if (!sha256.equals(HexFormat.of().formatHex(md.digest()))) {
      return "checksum of " + name + " differs from the manifest (the file was changed or damaged)";
    }
    Long expected = rowCounts.get(f.table().name());
    if (expected == null || expected != rows) {
      return name + " holds " + rows + " rows, the manifest says " + expected;
    }
    return null;
  }

  /**
   * Why the data files of a TSV snapshot cannot be used, or null: each is named as a plain file of
   * the folder (never a path out of it), present, and of the recorded size.
   */
  static String tsvProblem(Path folder, JsonNode m) throws IOException {
    JsonNode files = m.path("files");
    if (!files.isArray() || files.isEmpty()) {
      return "manifest lists no data files";
    }
    for (JsonNode f : files) {
      String name = f.path("name").asText("");
      if (!name.matches("[A-Za-z0-9_]{1,64}\\.tsv")) {
        return "manifest names a data file '" + name + "' that is not a table file";
      }
      Path p = folder.resolve(name);
      if (!Files.isRegularFile(p)) {
        return "data file " + name + " is missing";
      }
      if (Files.size(p) != f.path("size_bytes").asLong(-1)) {
        return "data file " + name + " differs in size from the manifest";
      }
    }
    return null;
  }

  /**
   * The TSV files of a snapshot in the order of its catalog's tables, after checking that the
   * manifest names one for each table, with the same columns.
   */
  static List<io.expmgr.db.Restorer.TsvFile> tsvFiles(
      SnapshotInfo info, JsonNode manifest, SnapshotManager.Source source) {
    Map<String, JsonNode> byTable = new LinkedHashMap<>();
    manifest.path("files").forEach(f -> byTable.put(f.path("table").asText(), f));
    List<io.expmgr.db.Restorer.TsvFile> out = new ArrayList<>();
    for (Catalog.TableInfo t : source.catalog().tables()) {
      JsonNode f = byTable.remove(t.name());
      if (f == null) {
        throw new SnapshotException(
            "snapshot "
                + info.id()
                + " has no file for table "
                + t.name()
                + "; nothing was restored");
      }
      List<String> columns = new ArrayList<>();
      f.path("columns").forEach(c -> columns.add(c.asText()));
      if (!columns.equals(t.columnNames())) {
        throw new SnapshotException(
            "snapshot "
                + info.id()
                + " holds columns "
                + columns
                + " of "
                + t.name()
                + ", its catalog says "
                + t.columnNames()
                + "; nothing was restored");
      }
      Map<String, String> storage = new LinkedHashMap<>();
      f.path("storage")
          .fields()
          .forEachRemaining(e -> storage.put(e.getKey(), e.getValue().asText()));
      out.add(
          new io.expmgr.db.Restorer.TsvFile(
              t, info.path().resolve(f.path("name").asText()), f.path("crc32c").asText(), storage));
    }
    if (!byTable.isEmpty()) {
      throw new SnapshotException(
          "snapshot "
              + info.id()
              + " holds files of tables "
              + byTable.keySet()
              + " that its catalog does not list; nothing was restored");
    }
    return out;
  }

  /** A reader of a TSV file that checks every value as its restore would read it. */
  static TsvReader reader(
      java.io.InputStream in, io.expmgr.db.Restorer.TsvFile f, SnapshotManager.Source source) {
    String name = f.path().getFileName().toString();
    if (source.catalog().modelOnly()) {
      return new TsvReader(in, source.model().table(f.table().name()).columns(), name);
    }
    List<TsvReader.Decoder> decoders = new ArrayList<>();
    for (Catalog.ColumnInfo c : f.table().columns()) {
      decoders.add(
          source.catalog().engine().dialect().typesValuesDynamically()
              ? TsvReader.sqlite(c.affinity(), f.storage().get(c.name()))
              : TsvReader.TEXT);
    }
    return new TsvReader(in, f.table().columnNames(), decoders, name);
  }
}
