package io.expmgr.api;

import java.time.LocalDateTime;

/** A row of TRIAL_RUN. */
public record TrialRun(
    long id, long trialId, String status, LocalDateTime startTime, LocalDateTime updateTime) {}
