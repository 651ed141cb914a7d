package io.expmgr;

/** The version of expmgr, as recorded in manifests and exports. */
public final class Version {
  private Version() {}

  /** The jar's implementation version, or {@code dev} when run from classes. */
  public static String tool() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
