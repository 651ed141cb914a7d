package io.expmgr.transfer;

/**
 * How an import treats ids and repeats.
 *
 * @param preserveIds keep the document's ids; fails, writing nothing, when one is taken
 * @param allowDuplicate import even when this export was imported before (default: refused)
 */
public record ImportOptions(boolean preserveIds, boolean allowDuplicate) {
  /** New ids, repeats refused. */
  public static ImportOptions defaults() {
    return new ImportOptions(false, false);
  }
}
