package io.bergenholm.power.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.http.HttpHeaders;
import java.util.Optional;

/**
 * One answer of a Redfish service: status, headers and the JSON body (missing if there was none).
 */
record RedfishResponse(int status, HttpHeaders headers, JsonNode body) {
  boolean ok() {
    return status >= 200 && status < 300;
  }

  Optional<String> header(String name) {
    return headers.firstValue(name).filter(s -> !s.isBlank());
  }

  /**
   * The resource's ETag: the {@code ETag} header, else the body's {@code @odata.etag} (some BMCs
   * send only one of the two).
   */
  Optional<String> etag() {
    return header("ETag").or(() -> text(body, "@odata.etag"));
  }

  static Optional<String> text(JsonNode node, String field) {
    JsonNode v = node == null ? MissingNode.getInstance() : node.path(field);
    return v.isTextual() && !v.asText().isEmpty() ? Optional.of(v.asText()) : Optional.empty();
  }
}
