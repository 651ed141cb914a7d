package io.expmgr.validate;

/** The outcome of a check, and of a whole validation: the worst of its checks. */
public enum Status {
  PASS,
  WARN,
  FAIL;

  /** The worse of two statuses. */
  public Status and(Status other) {
    return compareTo(other) >= 0 ? this : other;
  }
}
