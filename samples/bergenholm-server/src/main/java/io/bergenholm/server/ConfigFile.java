package io.bergenholm.server;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The {@code serve --config} file: Java properties whose keys are {@code serve}'s long flag names
 * without the dashes, plus {@code engine.KEY} lines. A key that is neither is refused with the line
 * it is on and the nearest valid key, so that a typo never silently falls back to a default.
 */
final class ConfigFile {
  /** The prefix of keys handed to the engine as its settings. */
  static final String ENGINE_PREFIX = "engine.";

  private ConfigFile() {}

  /**
   * Reads and checks {@code file}.
   *
   * @param keys every valid key other than {@code engine.*}
   * @throws IllegalArgumentException naming the file, the line and the key, for an unknown key
   * @throws UncheckedIOException if the file cannot be read
   */
  static Properties load(Path file, Set<String> keys) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("config file " + file + ": " + e.getMessage(), e);
    }
    List<String> sortedKeys = keys.stream().sorted().toList();
    for (String key : p.stringPropertyNames().stream().sorted().toList()) {
      if (keys.contains(key)) {
        continue;
      }
      if (key.startsWith(ENGINE_PREFIX) && key.length() > ENGINE_PREFIX.length()) {
        continue;
      }
      throw new IllegalArgumentException(
          "config file "
              + file
              + lineOf(text, key)
              + ": unknown key '"
              + key
              + "'"
              + Suggestions.didYouMean(key, sortedKeys));
    }
    return p;
  }

  /**
   * {@code " line N"} for the first line that sets {@code key}, or nothing if it cannot be found.
   */
  private static String lineOf(String text, String key) {
    String[] lines = text.split("\r\n|\r|\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].stripLeading();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && "=: \t\f".indexOf(line.charAt(end)) < 0) {
        end++;
      }
      if (line.substring(0, end).equals(key)) {
        return " line " + (i + 1);
      }
    }
    return "";
  }
}
