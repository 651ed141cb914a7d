package io.expmgr.validate;

/**
 * A strict, allocation-free recognizer of the one shape a healthy per-label value has: a JSON
 * object whose values are plain numbers. It answers most rows of a large table in a fraction of a
 * full parser's time; anything it does not accept goes to the full parser, which names the problem
 * (or finds none, as for numbers too long to judge here).
 */
final class FlatJson {
  private FlatJson() {}

  static boolean isObjectOfFiniteNumbers(String s) {
    return isObjectOfFiniteNumbers(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * The same over UTF-8 bytes, as the driver hands them over: no decoding, no allocation. Every
   * structural character of JSON is ASCII, so multi-byte characters only occur inside strings.
   */
  static boolean isObjectOfFiniteNumbers(byte[] s) {
    int n = s.length;
    int i = ws(s, 0);
    if (i >= n || s[i] != '{') {
      return false;
    }
    i = ws(s, i + 1);
    if (i < n && s[i] == '}') {
      return ws(s, i + 1) == n;
    }
    while (true) {
      i = string(s, i);
      if (i < 0) {
        return false;
      }
      i = ws(s, i);
      if (i >= n || s[i] != ':') {
        return false;
      }
      i = number(s, ws(s, i + 1));
      if (i < 0) {
        return false;
      }
      i = ws(s, i);
      if (i >= n) {
        return false;
      }
      byte c = s[i];
      if (c == '}') {
        return ws(s, i + 1) == n;
      }
      if (c != ',') {
        return false;
      }
      i = ws(s, i + 1);
    }
  }

  private static int ws(byte[] s, int i) {
    while (i < s.length) {
      byte c = s[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      i++;
    }
    return i;
  }

  /** Index after a JSON string starting at i, or -1. */
  private static int string(byte[] s, int i) {
    int n = s.length;
    if (i >= n || s[i] != '"') {
      return -1;
    }
    i++;
    while (i < n) {
      int c = s[i++] & 0xff;
      if (c == '"') {
        return i;
      }
      if (c < 0x20) {
        return -1;
      }
      if (c == '\\') {
        if (i >= n) {
          return -1;
        }
        char e = (char) (s[i++] & 0xff);
        if (e == 'u') {
          if (i + 4 > n) {
            return -1;
          }
          for (int k = 0; k < 4; k++) {
            if (Character.digit((char) (s[i++] & 0xff), 16) < 0) {
              return -1;
            }
          }
        } else if ("\"\\/bfnrt".indexOf(e) < 0) {
          return -1;
        }
      }
    }
    return -1;
  }

  /**
   * Index after a JSON number starting at i, or -1. Numbers whose magnitude could overflow a double
   * (long exponents or digit runs) are left to the full parser.
   */
  private static int number(byte[] s, int i) {
    int n = s.length;
    int start = i;
    if (i < n && s[i] == '-') {
      i++;
    }
    if (i >= n) {
      return -1;
    }
    if (s[i] == '0') {
      i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
      while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
      }
    } else {
      return -1;
    }
    if (i < n && s[i] == '.') {
      int digits = ++i;
      while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
      }
      if (i == digits) {
        return -1;
      }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
      i++;
      if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
      }
      int digits = i;
      while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
      }
      if (i == digits || i - digits > 2) {
        return -1;
      }
    }
    return i - start > 300 ? -1 : i;
  }
}
