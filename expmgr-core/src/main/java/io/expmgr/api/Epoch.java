package io.expmgr.api;

import java.time.LocalDateTime;

/** A row of EPOCH, keyed by (idx, trialRunId). */
public record Epoch(int idx, long trialRunId, LocalDateTime time) {}
