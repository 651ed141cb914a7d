package io.expmgr.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Keeps passwords out of everything expmgr writes: the logged command line, usage errors that quote
 * the arguments, and messages that quote a {@code mysql://user:password@...} URL.
 */
final class Secrets {
  private static final Pattern URL_PASSWORD = Pattern.compile("([a-z]+://[^:/@\\s]*):[^@\\s]*@");

  private Secrets() {}

  /** The secrets among the arguments: the value of --password, and the password of a URL. */
  static List<String> in(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--password=")) {
        out.add(a.substring("--password=".length()));
      } else if (a.equals("--password") && i + 1 < args.length && !args[i + 1].startsWith("-")) {
        out.add(args[i + 1]);
      }
      var m = Pattern.compile("[a-z]+://[^:/@\\s]*:([^@\\s]*)@").matcher(a);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    out.removeIf(String::isEmpty);
    return out;
  }

  /** The text with every secret of {@code args} and every URL password replaced by {@code ****}. */
  static String redact(String text, String[] args) {
    if (text == null) {
      return null;
    }
    String out = URL_PASSWORD.matcher(text).replaceAll("$1:****@");
    for (String secret : in(args)) {
      out = out.replace(secret, "****");
    }
    return out;
  }
}
