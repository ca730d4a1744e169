package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.ACCEPTED;
import static io.netty.handler.codec.http.HttpResponseStatus.CREATED;
import static io.netty.handler.codec.http.HttpResponseStatus.METHOD_NOT_ALLOWED;
import static io.netty.handler.codec.http.HttpResponseStatus.NO_CONTENT;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.Versioned;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.Provenance;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /api/1.0/hosts}, {@code /groups} and {@code /templates}: the stored records. */
final class RecordEndpoints {
  private final Bergenholm engine;
  private final Json json;
  private final Secrets secrets;
  private final HostAccess hostAccess;

  RecordEndpoints(Bergenholm engine, Json json, Secrets secrets) {
    this(engine, json, secrets, new HostAccess(engine, BootAccess.secure()));
  }

  RecordEndpoints(Bergenholm engine, Json json, Secrets secrets, HostAccess hostAccess) {
    this.engine = engine;
    this.json = json;
    this.secrets = secrets;
    this.hostAccess = hostAccess;
  }

  // ---- hosts ----

  Outcome listHosts(Call call) {
    Map<String, String> criteria = new LinkedHashMap<>();
    call.query()
        .forEach(
            (key, values) -> {
              if (values.size() > 1) {
                throw new BadInputException(
                    "filter '" + key + "' is given " + values.size() + " times; give it once");
              }
              criteria.put(key, values.get(0));
            });
    return Reply.json(OK, Map.of("hosts", engine.listHosts(criteria)));
  }

  /**
   * {@code GET /hosts/<id>}: stored, {@code ?params=all} resolved, {@code ?explain=1}, or {@code
   * ?installed=}.
   */
  Outcome getHost(Call call) {
    String id = call.pathParam(0);
    Optional<String> installed = call.param("installed");
    if (installed.isPresent()) {
      if (HttpMethod.HEAD.equals(call.method())) {
        return Reply.error(
                METHOD_NOT_ALLOWED,
                "?installed= changes the host; send it with GET (HEAD never writes)")
            .withHeader("Allow", "GET");
      }
      boolean mark =
          switch (installed.get()) {
            case "mark" -> true;
            case "unmark" -> false;
            default ->
                throw new BadInputException(
                    "installed must be 'mark' or 'unmark', not '" + installed.get() + "'");
          };
      Optional<String> credential = hostAccess.checkMark(call, id, mark);
      Versioned<Params> host = engine.markInstalled(id, mark);
      credential.ifPresent(engine.bootCredentials()::spend);
      return Reply.empty(OK).withHeader(HttpHeaderNames.ETAG.toString(), etag(host.version()));
    }
    boolean show = showSecrets(call);
    if (call.param("explain").filter(RecordEndpoints::truthy).isPresent()) {
      Map<String, Object> out = new LinkedHashMap<>();
      Map<String, Provenance> explained = engine.explainHost(id);
      Map<String, Object> expanded = new LinkedHashMap<>();
      explained.forEach((key, p) -> expanded.put(key, p.expanded()));
      Set<String> secretValues = show ? Set.of() : secrets.secretValues(expanded);
      Set<String> opaque = show ? Set.of() : secrets.opaquelyDerived(explained);
      explained.forEach(
          (key, p) -> out.put(key, provenance(key, p, show, secretValues, opaque.contains(key))));
      return Reply.json(OK, out);
    }
    if (call.param("params").filter("all"::equals).isPresent()) {
      return Reply.json(
          OK,
          show
              ? engine.resolveHost(id).params().asMap()
              : secrets.maskResolved(engine.explainHost(id)));
    }
    Versioned<Params> host =
        engine.host(id).orElseThrow(() -> new NotFoundException(RecordKind.HOST, id));
    return Reply.json(OK, masked(host.value(), show)).withHeader("ETag", etag(host.version()));
  }

  Outcome createHost(Call call) {
    String id = call.pathParam(0);
    Params params =
        secrets.unmask(
            readParams(call, "host '" + id + "'"), Optional.empty(), "host '" + id + "'");
    return Reply.empty(CREATED).withHeader("ETag", etag(engine.createHost(id, params).version()));
  }

  Outcome replaceHost(Call call) {
    String id = call.pathParam(0);
    Params incoming = readParams(call, "host '" + id + "'");
    Optional<String> ifVersion = ifMatch(call);
    if (secrets.anyMasked(incoming)) {
      Versioned<Params> stored =
          engine.host(id).orElseThrow(() -> new NotFoundException(RecordKind.HOST, id));
      incoming = secrets.unmask(incoming, Optional.of(stored.value()), "host '" + id + "'");
      ifVersion = Optional.of(ifVersion.orElse(stored.version()));
    }
    return Reply.empty(ACCEPTED)
        .withHeader("ETag", etag(engine.replaceHost(id, incoming, ifVersion).version()));
  }

  Outcome deleteHost(Call call) {
    engine.deleteHost(call.pathParam(0), ifMatch(call));
    return Reply.empty(NO_CONTENT);
  }

  // ---- groups ----

  Outcome listGroups(Call call) {
    return Reply.json(OK, Map.of("groups", engine.listGroups()));
  }

  Outcome getGroup(Call call) {
    String name = call.pathParam(0);
    boolean show = showSecrets(call);
    if (call.param("params").filter("all"::equals).isPresent()) {
      return Reply.json(OK, masked(engine.resolveGroup(name), show));
    }
    Versioned<Params> group =
        engine.group(name).orElseThrow(() -> new NotFoundException(RecordKind.GROUP, name));
    return Reply.json(OK, masked(group.value(), show)).withHeader("ETag", etag(group.version()));
  }

  Outcome createGroup(Call call) {
    String name = call.pathParam(0);
    Params params =
        secrets.unmask(
            readParams(call, "group '" + name + "'"), Optional.empty(), "group '" + name + "'");
    return Reply.empty(CREATED)
        .withHeader("ETag", etag(engine.createGroup(name, params).version()));
  }

  Outcome replaceGroup(Call call) {
    String name = call.pathParam(0);
    Params incoming = readParams(call, "group '" + name + "'");
    Optional<String> ifVersion = ifMatch(call);
    if (secrets.anyMasked(incoming)) {
      Versioned<Params> stored =
          engine.group(name).orElseThrow(() -> new NotFoundException(RecordKind.GROUP, name));
      incoming = secrets.unmask(incoming, Optional.of(stored.value()), "group '" + name + "'");
      ifVersion = Optional.of(ifVersion.orElse(stored.version()));
    }
    return Reply.empty(ACCEPTED)
        .withHeader("ETag", etag(engine.replaceGroup(name, incoming, ifVersion).version()));
  }

  Outcome deleteGroup(Call call) {
    engine.deleteGroup(call.pathParam(0), ifMatch(call));
    return Reply.empty(NO_CONTENT);
  }

  // ---- templates ----

  Outcome listTemplates(Call call) {
    return Reply.json(OK, Map.of("templates", engine.listTemplates()));
  }

  Outcome getTemplate(Call call) {
    String name = call.pathParam(0);
    Versioned<String> t =
        engine.template(name).orElseThrow(() -> new NotFoundException(RecordKind.TEMPLATE, name));
    return Reply.text(OK, t.value()).withHeader("ETag", etag(t.version()));
  }

  /** A template rendered for a host: what installers fetch as their kickstart or preseed. */
  Outcome renderTemplate(Call call) {
    String hostId = engine.renderHostId(call.pathParam(1));
    Optional<String> credential = hostAccess.checkRead(call, hostId);
    String text = engine.bootTemplate(call.pathParam(0), hostId);
    // The installer passes on the credential it came with (to its installed_url, say); anyone
    // else reading the template gets one issued to them.
    return Reply.text(
        OK,
        credential.isPresent()
            ? engine.bootCredentials().withToken(text, credential.get())
            : engine.bootCredentials().issueInto(text, hostId, call.source()));
  }

  Outcome createTemplate(Call call) {
    String name = call.pathParam(0);
    String text = readText(call, "template '" + name + "'");
    return Reply.empty(CREATED)
        .withHeader("ETag", etag(engine.createTemplate(name, text).version()));
  }

  Outcome replaceTemplate(Call call) {
    String name = call.pathParam(0);
    String text = readText(call, "template '" + name + "'");
    return Reply.empty(ACCEPTED)
        .withHeader("ETag", etag(engine.replaceTemplate(name, text, ifMatch(call)).version()));
  }

  Outcome deleteTemplate(Call call) {
    engine.deleteTemplate(call.pathParam(0), ifMatch(call));
    return Reply.empty(NO_CONTENT);
  }

  // ---- helpers ----

  private Params readParams(Call call, String what) {
    try {
      return json.readObject(call.body());
    } catch (BadInputException e) {
      throw new BadInputException(what + ": " + e.getMessage(), e);
    }
  }

  static String readText(Call call, String what) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(call.body()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException(what + ": the body is not UTF-8 text", e);
    }
  }

  /** {@code ?secrets=show} needs write access; anything else keeps secrets masked. */
  static boolean showSecrets(Call call) {
    Optional<String> s = call.param("secrets");
    if (s.isEmpty() || s.get().equals("mask")) {
      return false;
    }
    if (!s.get().equals("show")) {
      throw new BadInputException("secrets must be 'show' or 'mask', not '" + s.get() + "'");
    }
    if (!call.canWrite()) {
      throw new Forbidden("showing secret parameters needs a read-write token");
    }
    return true;
  }

  private Map<String, Object> masked(Params params, boolean show) {
    return show ? params.asMap() : secrets.mask(params.asMap());
  }

  private Map<String, Object> provenance(
      String key, Provenance p, boolean show, Set<String> secretValues, boolean opaque) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("source", p.source());
    boolean hide = !show && secrets.isSecret(key);
    out.put(
        "raw",
        hide && p.raw() != null
            ? Secrets.MASK
            : show ? p.raw() : secrets.maskValue(p.raw(), secretValues));
    out.put(
        "expanded",
        (hide || opaque) && p.expanded() != null
            ? Secrets.MASK
            : show ? p.expanded() : secrets.maskValue(p.expanded(), secretValues));
    return out;
  }

  private static boolean truthy(String v) {
    return List.of("1", "true", "yes").contains(v);
  }

  static String etag(String version) {
    return "\"" + version + "\"";
  }

  /**
   * The version an {@code If-Match} header names: empty without the header or for {@code *} (which
   * only asks that the record exist, as every replace and delete does anyway).
   */
  static Optional<String> ifMatch(Call call) {
    String header = call.headers().get(HttpHeaderNames.IF_MATCH);
    if (header == null || header.strip().equals("*")) {
      return Optional.empty();
    }
    String tag = header.strip();
    if (tag.contains(",")) {
      throw new BadInputException("If-Match must name one entity tag, found '" + tag + "'");
    }
    if (tag.startsWith("W/")) {
      throw new BadInputException(
          "If-Match needs a strong entity tag, found the weak '" + tag + "'");
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    return Optional.of(tag);
  }
}
