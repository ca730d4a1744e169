package io.bergenholm.server;

import static io.bergenholm.server.ApiClient.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code host provision}: one host through {@code POST /hosts/<id>/provision}, several through
 * {@code POST /provision}; one line per host saying what was done, and for a failure where it
 * stopped. Exit code 0 only when every host went through every step.
 */
final class ProvisionOutput {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ProvisionOutput() {}

  static int run(
      ApiClient client,
      PrintWriter out,
      PrintWriter err,
      List<String> ids,
      Optional<List<String>> groups,
      Optional<String> ifMatch) {
    ObjectNode body = JSON.createObjectNode();
    groups.ifPresent(
        gs -> {
          ArrayNode a = body.putArray("groups");
          gs.stream().map(String::strip).filter(g -> !g.isEmpty()).forEach(a::add);
        });
    ApiClient.Response r;
    List<JsonNode> hosts = new ArrayList<>();
    if (ids.size() == 1) {
      String path = "/hosts/" + segment(ids.get(0)) + "/provision";
      r =
          ifMatch.isPresent()
              ? client.exchangeIfMatch(path, bytes(body), ifMatch.get())
              : client.exchange("POST", path, Optional.of(bytes(body)), "application/json");
      JsonNode answer = ApiClient.parse(r.body());
      if (!answer.has("host")) {
        throw new ClientException(
            r.status() >= 500 ? Main.UNREACHABLE : Main.REFUSED,
            "POST " + path + ": " + r.status() + " " + answer.path("error").asText(r.body()));
      }
      hosts.add(answer);
    } else {
      if (ifMatch.isPresent()) {
        throw new ClientException(Main.USAGE, "--if-match applies to one host only");
      }
      ArrayNode a = body.putArray("hosts");
      ids.forEach(a::add);
      r = client.exchange("POST", "/provision", Optional.of(bytes(body)), "application/json");
      JsonNode answer = ApiClient.parse(r.body());
      if (!answer.has("hosts")) {
        throw new ClientException(
            r.status() >= 500 ? Main.UNREACHABLE : Main.REFUSED,
            "POST /provision: " + r.status() + " " + answer.path("error").asText(r.body()));
      }
      answer.path("hosts").forEach(hosts::add);
    }
    int failed = 0;
    for (JsonNode h : hosts) {
      List<String> done = new ArrayList<>();
      h.path("done").forEach(d -> done.add(d.asText()));
      String steps = done.isEmpty() ? "nothing" : String.join(", ", done);
      if (h.has("failed")) {
        failed++;
        err.printf(
            "%s: FAILED at %s (%d) after %s: %s%n",
            h.path("host").asText(),
            h.path("failed").asText(),
            h.path("status").asInt(),
            steps,
            h.path("error").asText());
      } else {
        out.printf("%s: %s%n", h.path("host").asText(), steps);
      }
    }
    return failed == 0 ? Main.OK : Main.REFUSED;
  }

  private static byte[] bytes(JsonNode body) {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }
}
