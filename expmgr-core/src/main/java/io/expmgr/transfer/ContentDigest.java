package io.expmgr.transfer;

import io.expmgr.db.Times;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.HexFormat;

/**
 * SHA-256 of an export's content, computed from the values rather than the bytes: the exporter and
 * the importer feed the same elements in document order, so the checksum survives re-indenting the
 * file, or parsing it into a tree first, but not a changed, added or dropped value.
 */
class ContentDigest {
  private final MessageDigest sha;
  private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);

  ContentDigest() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Starts an element of a kind (a one-byte tag). */
  void element(byte tag) {
    room(2);
    buf.put((byte) 0x1e).put(tag);
  }

  /**
   * A one-byte mark: the start of an embedded JSON value and its structure tokens. Numbers inside
   * it are digested as doubles, so a document parsed into a tree (where {@code 0.10} becomes {@code
   * 0.1}) keeps the checksum of its file.
   */
  void mark(byte b) {
    room(1);
    buf.put(b);
  }

  void value(Object v) {
    if (v == null) {
      room(1);
      buf.put((byte) 0);
    } else if (v instanceof Long l) {
      room(9);
      buf.put((byte) 1).putLong(l);
    } else if (v instanceof Integer i) {
      room(5);
      buf.put((byte) 2).putInt(i);
    } else if (v instanceof Double d) {
      room(9);
      buf.put((byte) 3).putLong(Double.doubleToLongBits(d));
    } else if (v instanceof LocalDateTime t) {
      bytes((byte) 4, Times.format(t).getBytes(StandardCharsets.US_ASCII));
    } else {
      bytes((byte) 5, v.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  private void bytes(byte tag, byte[] b) {
    room(5);
    buf.put(tag).putInt(b.length);
    if (b.length > buf.remaining()) {
      flush();
      sink(b, 0, b.length);
    } else {
      buf.put(b);
    }
  }

  private void room(int n) {
    if (buf.remaining() < n) {
      flush();
    }
  }

  void flush() {
    sink(buf.array(), 0, buf.position());
    buf.clear();
  }

  /** Bytes encoded earlier by a {@link Pending}. */
  void raw(byte[] encoded) {
    flush();
    sink(encoded, 0, encoded.length);
  }

  /** Where encoded bytes go: the hash. */
  void sink(byte[] b, int off, int len) {
    sha.update(b, off, len);
  }

  String hex() {
    flush();
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Holds encoded bytes until it is known they belong in the digest (text that turns out not to be
   * JSON half-way must leave no trace).
   */
  static final class Pending extends ContentDigest {
    private final ByteArrayOutputStream held = new ByteArrayOutputStream(256);

    @Override
    void sink(byte[] b, int off, int len) {
      held.write(b, off, len);
    }

    void reset() {
      flush();
      held.reset();
    }

    /** The bytes held so far, removed from this holder. */
    byte[] take() {
      flush();
      byte[] b = held.toByteArray();
      held.reset();
      return b;
    }

    void drainInto(ContentDigest target) {
      flush();
      target.flush();
      byte[] b = held.toByteArray();
      target.sink(b, 0, b.length);
      held.reset();
    }
  }
}
