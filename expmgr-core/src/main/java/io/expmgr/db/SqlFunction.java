package io.expmgr.db;

import java.sql.SQLException;

/** A function that may throw {@link SQLException}, for the scoped connection helpers. */
@FunctionalInterface
public interface SqlFunction<T, R> {
  R apply(T value) throws SQLException;
}
