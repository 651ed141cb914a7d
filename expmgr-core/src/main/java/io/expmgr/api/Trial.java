package io.expmgr.api;

import java.time.LocalDateTime;

/** A row of TRIAL. */
public record Trial(
    long id, String name, long experimentId, LocalDateTime startTime, LocalDateTime updateTime) {}
