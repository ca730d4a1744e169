package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.MULTI_STATUS;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ProvisionOutcome;
import io.bergenholm.engine.ProvisionRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reinstall in one call: {@code POST /api/1.0/hosts/<id>/provision} for one host ({@code If-Match}
 * honoured) and {@code POST /api/1.0/provision} for many. Each host's answer lists the steps that
 * took effect and the one that failed, with that failure's status.
 */
final class ProvisionEndpoints {
  private final Bergenholm engine;
  private final Json json;

  ProvisionEndpoints(Bergenholm engine, Json json) {
    this.engine = engine;
    this.json = json;
  }

  /** Body optional: {@code {"groups": [...]}}; the answer's status is the host's. */
  Outcome host(Call call) {
    String id = call.pathParam(0);
    Optional<List<String>> groups = Optional.empty();
    if (call.body().length > 0) {
      Params body = json.readObject(call.body());
      checkKeys(body, List.of("groups"));
      groups = groups(body);
    }
    ProvisionOutcome outcome =
        engine.provision(id, new ProvisionRequest(groups, RecordEndpoints.ifMatch(call)));
    Reply reply = Reply.json(HttpResponseStatus.valueOf(outcome.status()), answer(outcome));
    return outcome.version().isPresent()
        ? reply.withHeader("ETag", RecordEndpoints.etag(outcome.version().get()))
        : reply;
  }

  /** {@code {"hosts": [ids], "groups": [...]}}: 200 when every host succeeded, 207 otherwise. */
  Outcome rack(Call call) {
    Params body = json.readObject(call.body());
    checkKeys(body, List.of("hosts", "groups"));
    Object hosts =
        body.get("hosts")
            .orElseThrow(
                () ->
                    new BadInputException(
                        "provision: the body must name 'hosts': a list of host ids"));
    List<String> ids = strings("hosts", hosts);
    List<ProvisionOutcome> outcomes = engine.provision(ids, groups(body));
    List<Object> answers = new ArrayList<>();
    int failed = 0;
    for (ProvisionOutcome o : outcomes) {
      answers.add(answer(o));
      failed += o.ok() ? 0 : 1;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("hosts", answers);
    out.put("succeeded", outcomes.size() - failed);
    out.put("failed", failed);
    return Reply.json(failed == 0 ? OK : MULTI_STATUS, out);
  }

  static Map<String, Object> answer(ProvisionOutcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", o.hostId());
    m.put("status", o.status());
    m.put("done", o.done());
    o.failedStep().ifPresent(s -> m.put("failed", s));
    o.error().ifPresent(e -> m.put("error", e));
    if (o.partial()) {
      m.put("partial", true);
    }
    o.groups().ifPresent(g -> m.put("groups", g));
    return m;
  }

  private static Optional<List<String>> groups(Params body) {
    return body.get("groups").map(g -> g instanceof String s ? List.of(s) : strings("groups", g));
  }

  private static List<String> strings(String key, Object value) {
    if (!(value instanceof List<?> list)) {
      throw new BadInputException(
          "provision: '" + key + "' must be a list of strings, found " + value);
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw new BadInputException(
            "provision: '" + key + "' must be a list of strings, found " + o);
      }
      out.add(s);
    }
    return out;
  }

  private static void checkKeys(Params body, List<String> allowed) {
    for (String k : body.keys()) {
      if (!allowed.contains(k)) {
        throw new BadInputException(
            "provision: unknown key '" + k + "' in the body; expected " + allowed);
      }
    }
  }
}
