package io.expmgr.api;

/** A row of ARTIFACT. */
public record Artifact(long id, String type, String loc) {}
