package io.expmgr.transfer;

import static io.expmgr.transfer.ImportErrors.abbreviate;
import static io.expmgr.transfer.ImportErrors.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.expmgr.db.Column;
import io.expmgr.db.ColumnType;
import io.expmgr.db.Dialect;
import io.expmgr.db.Times;
import java.io.IOException;

/** Reads a field of an export as a value of its column's model type, or says what is wrong. */
final class ModelValues {
  private ModelValues() {}

  /**
   * A field's value of the model's type ({@code format_version} 1), checked against its column.
   *
   * @param name how messages name the document
   */
  static Object read(JsonParser p, String name, Dialect d, Column column, JsonToken t)
      throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    String field = column.name();
    switch (column.type()) {
      case ID, INT -> {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          throw invalid(p, name, "'" + field + "' must be an integer, got " + describe(p, t));
        }
        if (column.type() == ColumnType.INT) {
          if (p.getNumberType() != JsonParser.NumberType.INT) {
            throw invalid(p, name, "'" + field + "' is out of range: " + p.getText());
          }
          return p.getIntValue();
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw invalid(p, name, "'" + field + "' is out of range: " + p.getText());
        }
        return p.getLongValue();
      }
      case DOUBLE -> {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          return p.getDoubleValue();
        }
        if (t == JsonToken.VALUE_STRING && !d.storesNonFiniteDoubles()) {
          throw invalid(
              p,
              name,
              "'"
                  + field
                  + "' is "
                  + p.getText()
                  + ", which "
                  + d.engine().label()
                  + " cannot store in a DOUBLE column (set it to null in the source first)");
        }
        if (t == JsonToken.VALUE_STRING) {
          switch (p.getText()) {
            case "NaN":
              return Double.NaN;
            case "Infinity":
              return Double.POSITIVE_INFINITY;
            case "-Infinity":
              return Double.NEGATIVE_INFINITY;
            default:
              break;
          }
        }
        throw invalid(p, name, "'" + field + "' must be a number, got " + describe(p, t));
      }
      case TIMESTAMP -> {
        if (t != JsonToken.VALUE_STRING) {
          throw invalid(p, name, "'" + field + "' must be a time string, got " + describe(p, t));
        }
        try {
          return Times.normalize(Times.parse(p.getText()));
        } catch (IllegalArgumentException e) {
          throw invalid(p, name, "'" + field + "' is not a time: '" + p.getText() + "'");
        }
      }
      default -> {
        if (t != JsonToken.VALUE_STRING) {
          throw invalid(p, name, "'" + field + "' must be a string, got " + describe(p, t));
        }
        return p.getText();
      }
    }
  }

  static String describe(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "the string \"" + abbreviate(p.getText()) + "\"";
      default -> p.getText();
    };
  }
}
