package io.bergenholm.power.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads a Redfish error body into words an operator can act on. */
final class RedfishErrors {
  private RedfishErrors() {}

  /**
   * The BMC's own explanation: the {@code error.message} and each {@code @Message.ExtendedInfo}
   * entry as {@code MessageId: Message}, or the start of a body that is not Redfish JSON.
   */
  static String describe(JsonNode body, String rawStart) {
    List<String> parts = new ArrayList<>();
    JsonNode error = body.path("error");
    RedfishResponse.text(error, "message").ifPresent(parts::add);
    for (JsonNode info : messages(body)) {
      String id = RedfishResponse.text(info, "MessageId").orElse("");
      String message = RedfishResponse.text(info, "Message").orElse("");
      if (!id.isEmpty() || !message.isEmpty()) {
        parts.add(id.isEmpty() ? message : id + ": " + message);
      }
    }
    if (parts.isEmpty()) {
      return rawStart.isBlank() ? "(no explanation in the body)" : rawStart;
    }
    return String.join("; ", parts);
  }

  /**
   * Every {@code @Message.ExtendedInfo} entry of an error body, or the {@code Messages} of a Task.
   */
  static List<JsonNode> messages(JsonNode body) {
    List<JsonNode> out = new ArrayList<>();
    body.path("error").path("@Message.ExtendedInfo").forEach(out::add);
    body.path("@Message.ExtendedInfo").forEach(out::add);
    body.path("Messages").forEach(out::add);
    return out;
  }

  /** Whether the BMC's explanation mentions {@code property} (as a property it refuses). */
  static boolean mentions(JsonNode body, String property) {
    if (body.path("error").path("message").asText().contains(property)) {
      return true;
    }
    for (JsonNode info : messages(body)) {
      if (info.path("Message").asText().contains(property)) {
        return true;
      }
      for (JsonNode arg : info.path("MessageArgs")) {
        if (arg.asText().contains(property)) {
          return true;
        }
      }
      for (JsonNode p : info.path("RelatedProperties")) {
        if (p.asText().contains(property)) {
          return true;
        }
      }
    }
    return false;
  }
}
