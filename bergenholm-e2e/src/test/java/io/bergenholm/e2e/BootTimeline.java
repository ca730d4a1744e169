package io.bergenholm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a running server recorded of one boot (its events from {@code /api/1.0/events}) and how its
 * metrics moved (from {@code /metrics}), with assertions any boot test can reuse.
 */
final class BootTimeline {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SERIES =
      Pattern.compile(
          "^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{(?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*\\})?) (\\S+)$",
          Pattern.MULTILINE);

  /** One expected step: its kind and what else must hold of it. */
  record Step(String kind, Predicate<JsonNode> holds, String description) {
    static Step of(String kind) {
      return new Step(kind, e -> true, kind);
    }

    /** The step, where attribute {@code key} is {@code value}. */
    Step with(String key, String value) {
      return new Step(
          kind,
          holds.and(e -> value.equals(e.path("attributes").path(key).asText())),
          description + " " + key + "=" + value);
    }

    /** The step, with an outcome of {@code ok}. */
    Step ok() {
      return new Step(
          kind, holds.and(e -> "ok".equals(e.path("outcome").asText())), description + " ok");
    }
  }

  private BootTimeline() {}

  /**
   * The server's events since {@code since} about this machine: its id, its MAC, or (TFTP) any
   * client.
   */
  static List<JsonNode> events(
      BergenholmProcess server, String base, Instant since, String uuid, String mac)
      throws Exception {
    Shell.Result r = server.curl("-sS", "-f", base + "/api/1.0/events?limit=5000&since=" + since);
    assertThat(r.exit()).as("GET /api/1.0/events: %s", r.output()).isZero();
    List<JsonNode> mine = new ArrayList<>();
    for (JsonNode e : JSON.readTree(r.output()).path("events")) {
      if (uuid.equals(e.path("host").asText())
          || mac.equalsIgnoreCase(e.path("mac").asText())
          || e.path("kind").asText().equals("tftp.transfer")) {
        mine.add(e);
      }
    }
    return mine;
  }

  /**
   * Asserts that {@code steps} appear in {@code events} in this order (other events may come
   * between), that times never go back and lie within the boot, and that every duration is sane.
   * The events are read again for a while, since the server writes them in the background.
   */
  static List<JsonNode> assertSteps(
      BergenholmProcess server,
      String base,
      Instant since,
      Instant until,
      String uuid,
      String mac,
      Step... steps)
      throws Exception {
    List<JsonNode> events = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int matched;
    do {
      events = events(server, base, since, uuid, mac);
      matched = matched(events, steps);
      if (matched == steps.length) {
        break;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    assertThat(matched)
        .as(
            "steps in order; first missing: %s; events: %s",
            matched < steps.length ? steps[matched].description() : "-", events)
        .isEqualTo(steps.length);
    Instant previous = since;
    Duration boot = Duration.between(since, until);
    for (JsonNode e : events) {
      Instant t = Instant.parse(e.path("time").asText());
      assertThat(t)
          .as("time of %s", e)
          .isAfterOrEqualTo(previous)
          .isBeforeOrEqualTo(until.plusSeconds(5));
      previous = t;
      JsonNode ms = e.path("attributes").path("duration_ms");
      if (!ms.isMissingNode()) {
        assertThat(Long.parseLong(ms.asText()))
            .as("duration of %s", e)
            .isBetween(0L, boot.toMillis() + 5000);
      }
      JsonNode bytes = e.path("attributes").path("bytes");
      if (!bytes.isMissingNode() && "ok".equals(e.path("outcome").asText())) {
        assertThat(Long.parseLong(bytes.asText())).as("bytes of %s", e).isPositive();
      }
    }
    return events;
  }

  private static int matched(List<JsonNode> events, Step[] steps) {
    int i = 0;
    for (JsonNode e : events) {
      if (i < steps.length
          && steps[i].kind().equals(e.path("kind").asText())
          && steps[i].holds().test(e)) {
        i++;
      }
    }
    return i;
  }

  /** The server's metric series now: {@code name{labels}} to value. */
  static Map<String, Double> metrics(BergenholmProcess server, String base) {
    Shell.Result r = server.curl("-sS", "-f", base + "/metrics");
    assertThat(r.exit()).as("GET /metrics: %s", r.output()).isZero();
    Map<String, Double> out = new HashMap<>();
    Matcher m = SERIES.matcher(r.output());
    while (m.find()) {
      out.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }

  /**
   * Asserts that each group of series grew by at least the given amount between two scrapes; a
   * group is every series whose text starts with the key ({@code bergenholm_dhcp_offers_total} sums
   * every arch).
   */
  static void assertMoved(
      Map<String, Double> before, Map<String, Double> after, Map<String, Double> atLeast) {
    atLeast.forEach(
        (prefix, by) ->
            assertThat(sum(after, prefix) - sum(before, prefix))
                .as("%s grew", prefix)
                .isGreaterThanOrEqualTo(by));
  }

  private static double sum(Map<String, Double> series, String prefix) {
    return series.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }
}
