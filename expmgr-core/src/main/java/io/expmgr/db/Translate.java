package io.expmgr.db;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a table of one engine is made in another, for restores across engines. A table the model
 * describes gets the model's columns and types in the target's dialect (types that lose nothing:
 * doubles, times with microseconds), its keys and indexes; columns the model does not describe, and
 * tables it does not describe, get a type of the target that keeps their values: integers stay
 * integers, floating-point numbers doubles, and everything else (text, times, decimals, JSON) text,
 * which keeps every value's exact characters. Views and triggers are written in an engine's own SQL
 * and are not translated.
 */
public final class Translate {
  private Translate() {}

  /**
   * The table to make in another engine for a table of {@code from}'s engine.
   *
   * @param model the model of the snapshot's version, as present in the source
   */
  public static Table table(Catalog.TableInfo from, Engine fromEngine, Schema model) {
    Optional<Table> modelled = model.find(from.name());
    List<Column> columns = new ArrayList<>();
    for (Catalog.ColumnInfo c : from.columns()) {
      Optional<Column> m = modelled.flatMap(t -> t.column(c.name()));
      if (m.isPresent()) {
        columns.add(m.get());
      } else {
        boolean key = c.pkPosition() > 0;
        columns.add(new Column(c.name(), typeOf(c, fromEngine, key), !c.notNull()));
      }
    }
    if (modelled.isPresent()) {
      Table t = modelled.get();
      return new Table(t.name(), columns, t.primaryKey(), t.foreignKeys(), t.indexes());
    }
    return new Table(from.name(), columns, from.primaryKey(), List.of(), List.of());
  }

  /** A logical type that keeps a column's values in any engine. */
  public static ColumnType typeOf(Catalog.ColumnInfo c, Engine engine, boolean key) {
    Dialect d = engine.dialect();
    if (d.typesValuesDynamically()) {
      return switch (c.affinity()) {
        case INTEGER -> ColumnType.ID;
        case REAL -> ColumnType.DOUBLE;
        default -> key ? ColumnType.SHORT_TEXT : ColumnType.TEXT;
      };
    }
    return switch (d.valueKind(c.baseType())) {
      case INTEGER -> ColumnType.ID;
      case FLOAT, DOUBLE -> ColumnType.DOUBLE;
      default -> key ? ColumnType.SHORT_TEXT : ColumnType.TEXT;
    };
  }

  /** Whether a source table is carried by a restore into {@code target}'s engine. */
  public static boolean carried(Catalog.TableInfo table, Engine source, Engine target) {
    // An engine's own tables (SQLite's AUTOINCREMENT counters, planner statistics): the target
    // keeps its own.
    return source == target || !source.dialect().isSystemTable(table.name());
  }
}
