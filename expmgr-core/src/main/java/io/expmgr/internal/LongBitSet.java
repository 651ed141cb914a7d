package io.expmgr.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of ids held as bits in 64 Ki-bit pages allocated on demand: one bit per id in the ranges
 * actually used, so tracking a million metric ids costs about 128 KiB, not a hash set's tens of
 * megabytes. Ids are visited in order ({@link #next}).
 */
public final class LongBitSet {
  private static final int PAGE_BITS = 16;
  private static final int WORDS = (1 << PAGE_BITS) / 64;
  private final TreeMap<Long, long[]> pages = new TreeMap<>();
  private long[] lastPage;
  private long lastKey = Long.MIN_VALUE;
  private long size;

  /** Adds the id; returns false when it was already there. */
  public boolean add(long id) {
    long[] page = page(id >>> PAGE_BITS, true);
    int bit = (int) (id & ((1 << PAGE_BITS) - 1));
    long mask = 1L << (bit & 63);
    long old = page[bit >>> 6];
    page[bit >>> 6] = old | mask;
    boolean added = (old & mask) == 0;
    if (added) {
      size++;
    }
    return added;
  }

  public boolean contains(long id) {
    long[] page = page(id >>> PAGE_BITS, false);
    if (page == null) {
      return false;
    }
    int bit = (int) (id & ((1 << PAGE_BITS) - 1));
    return (page[bit >>> 6] & (1L << (bit & 63))) != 0;
  }

  /** The number of ids in the set. */
  public long size() {
    return size;
  }

  /** The memory the pages take, in bytes: small for dense ids, up to 8 KiB per id when sparse. */
  public long bytes() {
    return (long) pages.size() * (WORDS * 8L);
  }

  /** The smallest id at or after {@code from}, or -1 when there is none (ids are not negative). */
  public long next(long from) {
    long key = Math.max(0, from) >>> PAGE_BITS;
    for (Map.Entry<Long, long[]> e = pages.ceilingEntry(key);
        e != null;
        e = pages.higherEntry(e.getKey())) {
      long base = e.getKey() << PAGE_BITS;
      long[] page = e.getValue();
      int start = e.getKey() == key ? (int) (Math.max(0, from) - base) : 0;
      for (int w = start >>> 6; w < WORDS; w++) {
        long word = page[w];
        if (w == start >>> 6) {
          word &= -1L << (start & 63);
        }
        if (word != 0) {
          return base + ((long) w << 6) + Long.numberOfTrailingZeros(word);
        }
      }
    }
    return -1;
  }

  private long[] page(long key, boolean create) {
    if (key == lastKey) {
      return lastPage;
    }
    long[] page = pages.get(key);
    if (page == null) {
      if (!create) {
        return null;
      }
      page = new long[WORDS];
      pages.put(key, page);
    }
    lastKey = key;
    lastPage = page;
    return page;
  }
}
