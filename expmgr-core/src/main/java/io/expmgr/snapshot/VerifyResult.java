package io.expmgr.snapshot;

import java.util.List;

/**
 * The verdict on one snapshot.
 *
 * @param id the snapshot
 * @param problems what is wrong; empty when it can be trusted
 */
public record VerifyResult(String id, List<String> problems) {
  public VerifyResult {
    problems = List.copyOf(problems);
  }

  public boolean ok() {
    return problems.isEmpty();
  }
}
