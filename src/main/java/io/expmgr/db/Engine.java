package io.expmgr.db;

/** The database engines expmgr speaks to. MariaDB is reached through {@link #MYSQL}. */
public enum Engine {
  SQLITE("sqlite"),
  MYSQL("mysql");

  private final String label;

  Engine(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public Dialect dialect() {
    return this == SQLITE ? SqliteDialect.INSTANCE : MySqlDialect.INSTANCE;
  }
}
