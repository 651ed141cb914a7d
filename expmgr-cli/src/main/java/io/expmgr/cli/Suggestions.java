package io.expmgr.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes every command a message suggests ({@code 'expmgr schema upgrade --to 2.0'}) one that runs
 * as shown: the database and connection options of the command that failed are added to it (never a
 * password; it comes again from where it came: a prompt, a file, the environment).
 */
final class Suggestions {
  private static final Pattern SUGGESTED = Pattern.compile("'expmgr ([^']*)'");
  private static final Set<String> WITH_VALUE =
      Set.of(
          "-d",
          "--database",
          "--host",
          "--port",
          "--user",
          "--ssl-mode",
          "--password-file",
          "--defaults-file",
          "--snapshot-dir");
  private static final Set<String> FLAGS = Set.of("--mysql", "--sqlite");

  private Suggestions() {}

  /** The connection options among the arguments, each as given. */
  static List<String> connection(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (FLAGS.contains(a)) {
        out.add(a);
      } else if (WITH_VALUE.contains(name)) {
        if (a.contains("=")) {
          out.add(name);
          out.add(a.substring(a.indexOf('=') + 1));
        } else if (i + 1 < args.length) {
          out.add(a);
          out.add(args[++i]);
        }
      }
    }
    return out;
  }

  static String complete(String message, String[] args) {
    List<String> conn = connection(args);
    if (conn.isEmpty() || message == null) {
      return message;
    }
    StringBuilder tail = new StringBuilder();
    for (String part : conn) {
      tail.append(' ').append(part.matches("[A-Za-z0-9_./:@=+,-]+") ? part : '"' + part + '"');
    }
    Matcher m = SUGGESTED.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String cmd = m.group(1);
      String done = cmd.contains(" -d ") || cmd.contains("--database") ? cmd : cmd + tail;
      m.appendReplacement(out, Matcher.quoteReplacement("'expmgr " + done + "'"));
    }
    m.appendTail(out);
    return out.toString();
  }
}
