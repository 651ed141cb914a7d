package io.expmgr.transfer;

/**
 * How an import treats ids and repeats.
 *
 * @param preserveIds keep the document's ids; fails, writing nothing, when one is taken
 * @param allowDuplicate import even when this export was imported before (default: refused)
 * @param dryRun do the whole import, checks included, in its transaction, then roll it back
 */
public record ImportOptions(boolean preserveIds, boolean allowDuplicate, boolean dryRun) {
  /** An import that is kept. */
  public ImportOptions(boolean preserveIds, boolean allowDuplicate) {
    this(preserveIds, allowDuplicate, false);
  }

  /** New ids, repeats refused. */
  public static ImportOptions defaults() {
    return new ImportOptions(false, false);
  }
}
