package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.CREATED;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.engine.Bergenholm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** The open boot side: iPXE scripts, registration, image hand-off and health. */
final class BootEndpoints {
  /** Machine facts that {@code /ipxe/register} records, as the register template sends them. */
  static final List<String> FACTS = List.of("manufacturer", "product", "serial", "asset", "hostname");

  private final Bergenholm engine;

  BootEndpoints(Bergenholm engine) {
    this.engine = engine;
  }

  Outcome script(Call call) {
    return Reply.text(OK, engine.ipxeScript(call.pathParam(0)));
  }

  /** On the event loop: a warm script from the engine's cache, else the render on a worker. */
  Outcome cachedScript(Call call) {
    return engine.cachedIpxeScript(call.pathParam(0)).<Outcome>map(s -> Reply.text(OK, s))
        .orElseGet(() -> new Deferred(() -> script(call)));
  }

  /** The generic chain script, pointing at the address this request came in on. */
  Outcome chainScript(Call call) {
    return Reply.text(OK, ChainScript.forBaseUrl(call.baseUrl()));
  }

  Outcome register(Call call) {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String fact : FACTS) {
      call.param(fact).filter(v -> !v.isEmpty()).ifPresent(v -> facts.put(fact, v));
    }
    engine.register(call.pathParam(0), facts);
    return Reply.empty(CREATED);
  }

  /** Resolves the image on a worker; the {@link ImageRoute} streams it on the event loop. */
  Outcome image(Call call, String kind) {
    OptionalInt index = OptionalInt.empty();
    if (call.pathParams().size() > 1) {
      String n = call.pathParam(1);
      if (!n.matches("[0-9]{1,4}")) {
        throw new NotFoundException("image", "/ipxe/" + kind + "/" + call.pathParam(0) + "/" + n);
      }
      index = OptionalInt.of(Integer.parseInt(n));
    }
    String hostId = call.pathParam(0);
    ImageCall image = new ImageCall(call.method(), call.headers(), hostId, kind, index,
        call.keepAlive());
    return new ImageHandoff(image, engine.imageTarget(hostId, kind, index));
  }

  /** Liveness: answers without touching the store, so a slow store does not fail it. */
  static Outcome healthz(Call call) {
    return Reply.json(OK, Map.of("status", "ok"));
  }

  /** Readiness: the store answers a listing. */
  Outcome readyz(Call call) {
    engine.store().templates().list();
    return Reply.json(OK, Map.of("status", "ready"));
  }

}
