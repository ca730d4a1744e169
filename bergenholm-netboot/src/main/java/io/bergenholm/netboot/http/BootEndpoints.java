package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.CREATED;
import static io.netty.handler.codec.http.HttpResponseStatus.NOT_IMPLEMENTED;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;
import static io.netty.handler.codec.http.HttpResponseStatus.SERVICE_UNAVAILABLE;
import static io.netty.handler.codec.http.HttpResponseStatus.TOO_MANY_REQUESTS;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.HostIds;
import io.bergenholm.engine.ImageTarget;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The open boot side: iPXE scripts, registration, images and health. */
final class BootEndpoints {
  /** Machine facts that {@code /ipxe/register} records, as the register template sends them. */
  static final List<String> FACTS = Bergenholm.REGISTER_FACTS;

  private final Bergenholm engine;
  private final RegistrationGate registrations;
  private final StoreHealth health;
  private final Optional<ImageStreamer> images;

  BootEndpoints(Bergenholm engine) {
    this(engine, TransportLimits.defaults(), Optional.empty());
  }

  BootEndpoints(Bergenholm engine, TransportLimits limits, Optional<ImageStreamer> images) {
    this.engine = engine;
    this.images = images;
    this.registrations = new RegistrationGate(engine, limits);
    this.health = new StoreHealth(engine.store());
  }

  /** The host's script, with a boot credential issued to the address asking for it. */
  Outcome script(Call call) {
    return Reply.text(OK, engine.ipxeScript(engine.bootHostId(call.pathParam(0)), call.source()));
  }

  /** On the event loop: a warm script from the engine's cache, else the render on a worker. */
  Outcome cachedScript(Call call) {
    return engine
        .cachedIpxeScript(call.pathParam(0), call.source())
        .<Outcome>map(s -> Reply.text(OK, s))
        .orElseGet(() -> new Deferred(() -> script(call)));
  }

  /** The generic chain script, pointing at the address this request came in on. */
  Outcome chainScript(Call call) {
    return Reply.text(OK, ChainScript.forBaseUrl(call.baseUrl()));
  }

  Outcome register(Call call) {
    // Ids that iPXE sends are UUIDs; anything else is refused before it costs a registration.
    String hostId = HostIds.requireUuid(call.pathParam(0));
    Optional<RegistrationGate.Refusal> refused = registrations.admit(hostId, call.source());
    if (refused.isPresent()) {
      return Reply.error(TOO_MANY_REQUESTS, refused.get().message())
          .withHeader("Retry-After", Long.toString(refused.get().retryAfterSeconds()));
    }
    Map<String, String> facts = new LinkedHashMap<>();
    for (String fact : FACTS) {
      call.param(fact).filter(v -> !v.isEmpty()).ifPresent(v -> facts.put(fact, v));
    }
    engine.register(hostId, facts);
    return Reply.empty(CREATED);
  }

  /**
   * Resolves and opens the image on a worker; the {@link ImageStreamer} writes it on the event
   * loop.
   */
  Outcome image(Call call, String kind) {
    OptionalInt index = OptionalInt.empty();
    if (call.pathParams().size() > 1) {
      String n = call.pathParam(1);
      if (!n.matches("[0-9]{1,4}")) {
        throw new NotFoundException("image", "/ipxe/" + kind + "/" + call.pathParam(0) + "/" + n);
      }
      index = OptionalInt.of(Integer.parseInt(n));
    }
    String hostId = engine.bootHostId(call.pathParam(0));
    ImageTarget target = engine.imageTarget(hostId, kind, index);
    if (images.isEmpty()) {
      return Reply.error(
          NOT_IMPLEMENTED,
          "image streaming is not enabled in this server ("
              + target.parameter()
              + " of host '"
              + hostId
              + "')");
    }
    return images.get().open(hostId, target);
  }

  /** Liveness: answers without touching the store, so a slow store does not fail it. */
  static Outcome healthz(Call call) {
    return Reply.json(OK, Map.of("status", "ok"));
  }

  /**
   * Readiness: the store answers and its groups can be read. The reason for "not ready" is shown to
   * management callers only; anonymous ones find it in the server log.
   */
  Outcome readyz(Call call) {
    Optional<String> problem = health.problem();
    if (problem.isPresent()) {
      return Reply.json(
          SERVICE_UNAVAILABLE,
          Map.of(
              "status",
              "not ready",
              "reason",
              call.access().isPresent()
                  ? problem.get()
                  : "a stored record cannot be read; the server log and the management API name it"));
    }
    return Reply.json(OK, Map.of("status", "ready"));
  }
}
