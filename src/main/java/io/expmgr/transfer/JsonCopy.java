package io.expmgr.transfer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;

/** Copies JSON from a parser to a generator keeping each number's exact digits. */
final class JsonCopy {
  private JsonCopy() {}

  /**
   * Copies the structure (object or array) the parser is at, leaving the parser on its closing
   * token, and feeds its tokens to {@code digest}. Numbers are copied as text: {@code 0.10} stays
   * {@code 0.10} and a 20-digit decimal keeps all its digits, which a trip through {@code double}
   * would not.
   */
  static void copyStructure(JsonParser p, JsonGenerator g, ContentDigest digest)
      throws IOException {
    int depth = 0;
    JsonToken t = p.currentToken();
    digest.mark((byte) 'J');
    while (true) {
      switch (t) {
        case START_OBJECT -> {
          g.writeStartObject();
          digest.mark((byte) '{');
          depth++;
        }
        case END_OBJECT -> {
          g.writeEndObject();
          digest.mark((byte) '}');
          depth--;
        }
        case START_ARRAY -> {
          g.writeStartArray();
          digest.mark((byte) '[');
          depth++;
        }
        case END_ARRAY -> {
          g.writeEndArray();
          digest.mark((byte) ']');
          depth--;
        }
        case FIELD_NAME -> {
          g.writeFieldName(p.currentName());
          digest.value(p.currentName());
        }
        case VALUE_STRING -> {
          g.writeString(p.getText());
          digest.mark((byte) 's');
          digest.value(p.getText());
        }
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
          g.writeNumber(p.getText());
          digest.value(p.getDoubleValue());
        }
        case VALUE_TRUE -> {
          g.writeBoolean(true);
          digest.mark((byte) 't');
        }
        case VALUE_FALSE -> {
          g.writeBoolean(false);
          digest.mark((byte) 'f');
        }
        case VALUE_NULL -> {
          g.writeNull();
          digest.value(null);
        }
        default -> throw new IOException("unexpected JSON token " + t);
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
}
