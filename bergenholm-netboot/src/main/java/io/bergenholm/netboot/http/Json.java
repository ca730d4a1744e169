package io.bergenholm.netboot.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.io.IOException;
import java.util.Map;

/** JSON in and out of the REST API, with the configured bounds on what a body may hold. */
final class Json {
  private static final ObjectMapper WRITER = JsonMapper.builder().build();

  private final ObjectMapper reader;
  private final int maxParameters;

  Json(Limits limits) {
    this.maxParameters = limits.maxParameters();
    JsonMapper mapper =
        JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    // The depth bound is also what keeps a hostile body from exhausting the worker's stack.
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(Math.min(limits.maxJsonDepth(), Params.MAX_DEPTH - 1))
                .build());
    this.reader = mapper;
  }

  static byte[] write(Object value) {
    try {
      return WRITER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON of " + value.getClass().getName(), e);
    }
  }

  /**
   * Parses a body that must be one JSON object, as host and group writes take.
   *
   * @throws BadInputException saying what is wrong (and where, for a syntax error)
   */
  Params readObject(byte[] body) {
    if (body.length == 0) {
      throw new BadInputException("the body must be a JSON object, but it is empty");
    }
    JsonNode node;
    try {
      node = reader.readTree(body);
    } catch (IOException e) {
      throw new BadInputException("the body is not valid JSON: " + firstLine(e.getMessage()), e);
    }
    if (node == null || !node.isObject()) {
      throw new BadInputException(
          "the body must be a JSON object, found "
              + (node == null
                  ? "nothing"
                  : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
    }
    if (node.size() > maxParameters) {
      throw new BadInputException(
          "the body has " + node.size() + " parameters; at most " + maxParameters + " are allowed");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = reader.convertValue(node, Map.class);
    return Params.of(map);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
