package io.bergenholm.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One boot event as one line of text: time, who, kind, outcome, then the attributes as key=value.
 */
final class EventLines {
  private EventLines() {}

  static String format(JsonNode e) {
    String who =
        e.hasNonNull("host")
            ? e.get("host").asText()
            : e.hasNonNull("mac") ? e.get("mac").asText() : e.path("ip").asText("-");
    StringBuilder line =
        new StringBuilder()
            .append(e.path("time").asText())
            .append("  ")
            .append(who)
            .append("  ")
            .append(e.path("kind").asText())
            .append("  ")
            .append(e.path("outcome").asText());
    e.path("attributes")
        .properties()
        .forEach(
            a -> {
              String v = a.getValue().asText();
              line.append("  ")
                  .append(a.getKey())
                  .append('=')
                  .append(
                      v.isEmpty() || v.matches(".*[\\s\"].*")
                          ? "\"" + v.replace("\"", "\\\"").replace("\n", "\\n") + "\""
                          : v);
            });
    return line.toString();
  }
}
