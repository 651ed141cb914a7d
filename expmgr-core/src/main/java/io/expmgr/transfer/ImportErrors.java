package io.expmgr.transfer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.expmgr.InvalidInputException;
import java.io.IOException;

/** How an import describes a bad document: in one line, with the JSON path, line and column. */
final class ImportErrors {
  private ImportErrors() {}

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  static InvalidInputException invalid(JsonParser p, String name, String message) {
    return new InvalidInputException(
        name + ": " + message + " " + where(p) + "; nothing was imported");
  }

  private static String where(JsonParser p) {
    String pointer = p.getParsingContext().pathAsPointer().toString();
    var loc = p.currentLocation();
    String at = pointer.isEmpty() ? "" : "at " + pointer;
    if (loc != null && loc.getLineNr() > 0) {
      at +=
          (at.isEmpty() ? "at " : ", ")
              + "line "
              + loc.getLineNr()
              + " column "
              + loc.getColumnNr();
    }
    return at.isEmpty() ? "" : "(" + at + ")";
  }

  static InvalidInputException malformed(String name, IOException e) {
    String detail =
        e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
    if (e instanceof JsonProcessingException jpe) {
      detail = jpe.getOriginalMessage().lines().findFirst().orElse("");
      var loc = jpe.getLocation();
      String at = loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
      if (e instanceof JsonEOFException) {
        return new InvalidInputException(
            name + " ends early" + at + " (truncated?): " + detail + "; nothing was imported", e);
      }
      return new InvalidInputException(
          name + " is not valid JSON" + at + ": " + detail + "; nothing was imported", e);
    }
    return new InvalidInputException("cannot read " + name + ": " + detail, e);
  }
}
