package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.EventQuery;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.event.HostStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The boot timeline on the management side: {@code /api/1.0/hosts/<id>/events}, {@code
 * /api/1.0/events}, the live {@code /api/1.0/events/stream}, and each host's derived state.
 */
final class EventEndpoints {
  /** Query keys of the host listing that are not parameter filters. */
  static final String STATE = "state";

  static final String DETAIL = "detail";

  /** How many of the newest events the listing reads to derive every host's state. */
  static final int STATE_WINDOW = 20_000;

  private final Bergenholm engine;
  private final ServerMetrics metrics;

  EventEndpoints(Bergenholm engine, ServerMetrics metrics) {
    this.engine = engine;
    this.metrics = metrics;
  }

  /** {@code GET /api/1.0/hosts/<id>/events}: the host's timeline, newest last. */
  Outcome hostEvents(Call call) {
    String id = call.pathParam(0);
    RecordNames.check(RecordKind.HOST, id);
    return events(new EventQuery(Optional.of(id), EventViews.since(call), EventViews.limit(call)));
  }

  /** {@code GET /api/1.0/events}: every subject's events, newest last ({@code ?host=} narrows). */
  Outcome allEvents(Call call) {
    return events(
        new EventQuery(call.param("host"), EventViews.since(call), EventViews.limit(call)));
  }

  private Outcome events(EventQuery query) {
    List<BootEvent> found = metrics.timedRead("events", () -> engine.events().read(query));
    List<Map<String, Object>> out = new ArrayList<>(found.size());
    found.forEach(e -> out.add(EventViews.toJson(e)));
    return Reply.json(OK, Map.of("events", out));
  }

  /**
   * {@code GET /api/1.0/events/stream}: live, as Server-Sent Events ({@code ?host=}, {@code
   * ?heartbeat=} seconds).
   */
  Outcome stream(Call call) {
    int seconds =
        call.param("heartbeat")
            .map(
                s -> {
                  if (!s.matches("[0-9]{1,3}")
                      || Integer.parseInt(s) < 1
                      || Integer.parseInt(s) > 300) {
                    throw new BadInputException(
                        "heartbeat must be 1 to 300 seconds, found '" + s + "'");
                  }
                  return Integer.parseInt(s);
                })
            .orElse(15);
    return new EventStream(engine.events(), call.param("host"), Duration.ofSeconds(seconds));
  }

  /**
   * {@code GET /api/1.0/hosts/}: with {@code ?state=S} only hosts in that state; with {@code
   * ?detail=1} a {@code "detail"} object beside {@code "hosts"} gives each host's state and last
   * seen time. Without either it is the plain listing. Other keys filter stored parameters.
   */
  Outcome listHosts(Call call, Router.Handler plain) {
    Optional<String> state = call.param(STATE);
    boolean detail = call.param(DETAIL).filter(v -> v.equals("1") || v.equals("true")).isPresent();
    if (state.isEmpty() && !detail) {
      return plain.handle(call);
    }
    if (state.isPresent() && !HostStatus.STATES.contains(state.get())) {
      throw new BadInputException(
          "state must be one of " + HostStatus.STATES + ", found '" + state.get() + "'");
    }
    Map<String, String> criteria = new LinkedHashMap<>();
    call.query()
        .forEach(
            (key, values) -> {
              if (!key.equals(STATE) && !key.equals(DETAIL)) {
                if (values.size() > 1) {
                  throw new BadInputException(
                      "filter '" + key + "' is given " + values.size() + " times; give it once");
                }
                criteria.put(key, values.get(0));
              }
            });
    List<String> ids = metrics.timedRead("hosts", () -> engine.listHosts(criteria));
    Map<String, List<BootEvent>> bySubject = new HashMap<>();
    for (BootEvent e :
        metrics.timedRead("events", () -> engine.events().read(EventQuery.all(STATE_WINDOW)))) {
      bySubject.computeIfAbsent(e.subject(), s -> new ArrayList<>()).add(e);
    }
    List<String> kept = new ArrayList<>();
    Map<String, Object> details = new LinkedHashMap<>();
    for (String id : ids) {
      Optional<Versioned<Params>> host = engine.host(id);
      HostStatus status =
          HostStatus.derive(
              host.isPresent(),
              host.map(h -> h.value().groups().contains(Bergenholm.INSTALLED)).orElse(false),
              bySubject.getOrDefault(id, List.of()));
      if (state.isPresent() && !state.get().equals(status.state())) {
        continue;
      }
      kept.add(id);
      details.put(id, statusJson(status));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("hosts", kept);
    if (detail) {
      out.put("detail", details);
    }
    return Reply.json(OK, out);
  }

  /** A host read, with its state and last seen time in headers that old clients ignore. */
  Outcome getHost(Call call, Router.Handler plain) {
    Outcome answer = plain.handle(call);
    if (!(answer instanceof Reply reply)
        || reply.status().code() != 200
        || call.param("installed").isPresent()) {
      return answer;
    }
    HostStatus status = status(call.pathParam(0));
    Reply out = reply.withHeader("X-Bergenholm-State", status.state());
    return status
        .lastSeen()
        .map(t -> out.withHeader("X-Bergenholm-Last-Seen", t.toString()))
        .orElse(out);
  }

  HostStatus status(String id) {
    Optional<Versioned<Params>> host = engine.host(id);
    List<BootEvent> events =
        metrics.timedRead("events", () -> engine.events().read(EventQuery.host(id, 200)));
    return HostStatus.derive(
        host.isPresent(),
        host.map(h -> h.value().groups().contains(Bergenholm.INSTALLED)).orElse(false),
        events);
  }

  private static Map<String, Object> statusJson(HostStatus s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", s.state());
    out.put("last_seen", s.lastSeen().map(Object::toString).orElse(null));
    return out;
  }
}
