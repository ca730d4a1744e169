package io.bergenholm.api;

import java.util.regex.Pattern;

/**
 * The one way a secret is shown: {@value #MASK}, in API answers, logs and error messages alike,
 * whichever module shows it. The engine decides what is secret; stores use this to keep their own
 * credentials out of messages.
 */
public final class SecretMask {
  /** What a secret reads as. Written back through the API, it keeps the stored value. */
  public static final String MASK = "********";

  /** {@code scheme://user:password@}: the password part, anywhere in a text. */
  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)(\\b[a-z][a-z0-9+.-]*://[^/@:\\s?#]*):([^/@\\s?#]*)@");

  private SecretMask() {}

  /** {@code text} with the password of every URL in it masked: {@code http://u:********@h/} (user kept). */
  public static String maskUrlCredentials(String text) {
    if (text == null || text.indexOf('@') < 0 || !text.contains("://")) {
      return text;
    }
    return URL_PASSWORD.matcher(text).replaceAll(m -> m.group(2).equals(MASK)
        ? java.util.regex.Matcher.quoteReplacement(m.group())
        : java.util.regex.Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
  }

  /** Whether {@code text} holds a URL whose password is given (masked or not). */
  public static boolean hasUrlCredentials(String text) {
    return text != null && text.indexOf('@') >= 0 && URL_PASSWORD.matcher(text).find();
  }

  /** {@code text} with every occurrence of {@code secret} masked; a null or empty secret changes nothing. */
  public static String maskOccurrences(String text, String secret) {
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    return text.replace(secret, MASK);
  }
}
