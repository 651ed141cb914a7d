package io.expmgr.transfer;

import java.util.HashMap;
import java.util.Map;

/**
 * A set of ids held as bits in 64 Ki-bit pages allocated on demand: one bit per id in the ranges
 * actually used, so tracking a million metric ids costs about 128 KiB, not a hash set's tens of
 * megabytes.
 */
final class LongBitSet {
  private static final int PAGE_BITS = 16;
  private static final int WORDS = (1 << PAGE_BITS) / 64;
  private final Map<Long, long[]> pages = new HashMap<>();
  private long[] lastPage;
  private long lastKey = Long.MIN_VALUE;

  /** Adds the id; returns false when it was already there. */
  boolean add(long id) {
    long[] page = page(id >>> PAGE_BITS, true);
    int bit = (int) (id & ((1 << PAGE_BITS) - 1));
    long mask = 1L << (bit & 63);
    long old = page[bit >>> 6];
    page[bit >>> 6] = old | mask;
    return (old & mask) == 0;
  }

  boolean contains(long id) {
    long[] page = page(id >>> PAGE_BITS, false);
    if (page == null) {
      return false;
    }
    int bit = (int) (id & ((1 << PAGE_BITS) - 1));
    return (page[bit >>> 6] & (1L << (bit & 63))) != 0;
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
