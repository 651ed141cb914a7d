package io.expmgr.transfer;

import com.fasterxml.jackson.core.io.NumberInput;

/**
 * The fast path for per-label JSON that is already compact: a flat object of plain keys and numbers
 * ({@code {"class_0":0.25,"class_1":1E-3}}) or a flat array of numbers, with no whitespace. Such
 * text is copied as it is, and its tokens are digested exactly as {@link JsonCopy} would; any other
 * text (whitespace, escapes, nesting, strings, invalid JSON) returns false and takes the general
 * path.
 */
final class CompactJson {
  private CompactJson() {}

  /** Digests {@code text} into {@code digest} and returns true when it is compact and flat. */
  static boolean digestIfCompact(String text, ContentDigest.Pending digest) {
    digest.reset();
    int n = text.length();
    if (n < 2) {
      return false;
    }
    char open = text.charAt(0);
    boolean object = open == '{';
    if (!object && open != '[') {
      return false;
    }
    char close = object ? '}' : ']';
    digest.mark((byte) 'J');
    digest.mark((byte) open);
    int i = 1;
    if (text.charAt(i) == close) {
      if (i + 1 != n) {
        return false;
      }
      digest.mark((byte) close);
      return true;
    }
    while (true) {
      if (object) {
        if (i >= n || text.charAt(i) != '"') {
          return false;
        }
        int end = i + 1;
        while (end < n) {
          char ch = text.charAt(end);
          if (ch == '"') {
            break;
          }
          if (ch == '\\' || ch < 0x20) {
            return false;
          }
          end++;
        }
        if (end + 1 >= n || text.charAt(end + 1) != ':') {
          return false;
        }
        digest.value(text.substring(i + 1, end));
        i = end + 2;
      }
      int end = numberEnd(text, i);
      if (end < 0) {
        return false;
      }
      digest.value(NumberInput.parseDouble(text.substring(i, end), true));
      i = end;
      if (i >= n) {
        return false;
      }
      char sep = text.charAt(i);
      if (sep == close) {
        if (i + 1 != n) {
          return false;
        }
        digest.mark((byte) close);
        return true;
      }
      if (sep != ',') {
        return false;
      }
      i++;
    }
  }

  /** The end of a JSON number starting at {@code i}, or -1 when there is none. */
  private static int numberEnd(String s, int i) {
    int n = s.length();
    if (i < n && s.charAt(i) == '-') {
      i++;
    }
    if (i >= n) {
      return -1;
    }
    if (s.charAt(i) == '0') {
      i++;
    } else if (s.charAt(i) >= '1' && s.charAt(i) <= '9') {
      while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
        i++;
      }
    } else {
      return -1;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      int start = i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == start) {
        return -1;
      }
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int start = i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == start) {
        return -1;
      }
    }
    return i;
  }
}
