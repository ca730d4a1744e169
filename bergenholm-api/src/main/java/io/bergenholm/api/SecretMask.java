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

  /**
   * Masks the password of every URL in a text: {@code http://u:********@h/} (the user is kept).
   *
   * @param text any text, or null
   * @return the text with URL passwords masked (null for null)
   */
  public static String maskUrlCredentials(String text) {
    if (text == null || text.indexOf('@') < 0 || !text.contains("://")) {
      return text;
    }
    return URL_PASSWORD
        .matcher(text)
        .replaceAll(
            m ->
                m.group(2).equals(MASK)
                    ? java.util.regex.Matcher.quoteReplacement(m.group())
                    : java.util.regex.Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
  }

  /**
   * Whether a text holds a URL whose password is given (masked or not).
   *
   * @param text any text, or null
   * @return true if some URL in it carries a password
   */
  public static boolean hasUrlCredentials(String text) {
    return text != null && text.indexOf('@') >= 0 && URL_PASSWORD.matcher(text).find();
  }

  /**
   * Masks every occurrence of a secret value in a text.
   *
   * @param text any text, or null
   * @param secret the secret value; null or empty changes nothing
   * @return the text with the secret masked
   */
  public static String maskOccurrences(String text, String secret) {
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    return text.replace(secret, MASK);
  }
}
