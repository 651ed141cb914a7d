package io.expmgr.api;

import java.time.LocalDateTime;

/** A row of RESULTS: the final results of one trial run. */
public record Results(long trialRunId, LocalDateTime time) {}
