package io.expmgr.transfer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;

/** Copies JSON from a parser to compact text, keeping each number's exact digits. */
final class JsonCopy {
  private JsonCopy() {}

  /**
   * Appends the structure (object or array) the parser is at to {@code out} in compact form,
   * leaving the parser on its closing token, and feeds its tokens to {@code digest}. Numbers are
   * copied as text: {@code 0.10} stays {@code 0.10} and a 20-digit decimal keeps all its digits,
   * which a trip through {@code double} would not.
   */
  static void copyStructure(JsonParser p, StringBuilder out, ContentDigest digest)
      throws IOException {
    boolean[] isArray = new boolean[MAX_DEPTH + 1];
    boolean[] hasItems = new boolean[MAX_DEPTH + 1];
    int depth = 0;
    JsonToken t = p.currentToken();
    digest.mark((byte) 'J');
    while (true) {
      switch (t) {
        case FIELD_NAME -> {
          if (hasItems[depth]) {
            out.append(',');
          }
          hasItems[depth] = true;
          quote(out, p.currentName());
          out.append(':');
          digest.value(p.currentName());
        }
        case END_OBJECT, END_ARRAY -> {
          out.append(t == JsonToken.END_OBJECT ? '}' : ']');
          digest.mark((byte) (t == JsonToken.END_OBJECT ? '}' : ']'));
          depth--;
        }
        default -> {
          if (depth > 0 && isArray[depth]) {
            if (hasItems[depth]) {
              out.append(',');
            }
            hasItems[depth] = true;
          }
          value(p, t, out, digest);
          if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            if (++depth > MAX_DEPTH) {
              throw new IOException("JSON nested deeper than " + MAX_DEPTH + " levels");
            }
            isArray[depth] = t == JsonToken.START_ARRAY;
            hasItems[depth] = false;
          }
        }
      }
      if (depth == 0) {
        return;
      }
      t = p.nextToken();
      if (t == null) {
        throw new JsonEOFException(p, null, "unexpected end of input inside a JSON value");
      }
    }
  }

  private static final int MAX_DEPTH = 200;

  private static void value(JsonParser p, JsonToken t, StringBuilder out, ContentDigest digest)
      throws IOException {
    switch (t) {
      case START_OBJECT -> {
        out.append('{');
        digest.mark((byte) '{');
      }
      case START_ARRAY -> {
        out.append('[');
        digest.mark((byte) '[');
      }
      case VALUE_STRING -> {
        quote(out, p.getText());
        digest.mark((byte) 's');
        digest.value(p.getText());
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        out.append(p.getText());
        digest.value(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        out.append("true");
        digest.mark((byte) 't');
      }
      case VALUE_FALSE -> {
        out.append("false");
        digest.mark((byte) 'f');
      }
      case VALUE_NULL -> {
        out.append("null");
        digest.value(null);
      }
      default -> throw new IOException("unexpected JSON token " + t);
    }
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        out.append(JsonStringEncoder.getInstance().quoteAsString(s));
        out.append('"');
        return;
      }
    }
    out.append(s).append('"');
  }
}
