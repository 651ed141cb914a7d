package io.expmgr.api;

import java.time.LocalDateTime;

/** A row of EXPERIMENT. */
public record Experiment(
    long id, String title, String desc, LocalDateTime startTime, LocalDateTime updateTime) {}
