package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;
import static io.netty.handler.codec.http.HttpMethod.PUT;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.engine.Bergenholm;
import java.util.Map;
import java.util.Optional;

/** The route table: every path the server answers, with who may call it. */
final class Routes {
  private Routes() {}

  static Router build(Bergenholm engine, Json json) {
    return build(engine, json, BootFiles.none());
  }

  static Router build(Bergenholm engine, Json json, BootFiles bootFiles) {
    return build(
        engine,
        json,
        TransportLimits.defaults(),
        BootAccess.secure(),
        ServerMetrics.forEngine(engine),
        bootFiles,
        Optional.empty());
  }

  static Router build(
      Bergenholm engine,
      Json json,
      TransportLimits limits,
      BootAccess bootAccess,
      ServerMetrics metrics,
      BootFiles bootFiles,
      Optional<ImageStreamer> images) {
    RecordEndpoints records =
        new RecordEndpoints(engine, json, new Secrets(engine), new HostAccess(engine, bootAccess));
    BootEndpoints boot = new BootEndpoints(engine, limits, images);
    PowerEndpoints power = new PowerEndpoints(engine, json);
    EventEndpoints events = new EventEndpoints(engine, metrics);
    Router r = new Router();

    // Boot side: open, on the boot listener.
    r.on(GET, "/healthz", call -> Guard.BOOT, BootEndpoints::healthz, true);
    r.on(GET, "/readyz", Guard.BOOT, boot::readyz);
    r.on(GET, "/ipxe/boot.ipxe", call -> Guard.BOOT, boot::chainScript, true);
    // Inline: a warm script comes from the engine's cache on the event loop; a render goes to a
    // worker.
    r.on(GET, "/ipxe/script/{}", call -> Guard.BOOT, boot::cachedScript, true);
    r.on(GET, "/ipxe/register/{}", Guard.BOOT, boot::register);
    for (String kind : new String[] {"kernel", "module"}) {
      r.on(GET, "/ipxe/" + kind + "/{}", Guard.BOOT, call -> boot.image(call, kind));
    }
    // One URL per image, as the Python project had: module 0 and initrd are 301s to module.
    r.on(
        GET,
        "/ipxe/module/{}/{}",
        Guard.BOOT,
        call ->
            ImageRedirects.isModuleZero(call)
                ? ImageRedirects.moduleZero(call)
                : boot.image(call, "module"));
    r.on(GET, "/ipxe/initrd/{}", Guard.BOOT, ImageRedirects::initrd);
    r.on(GET, "/ipxe/initrd/{}/{}", Guard.BOOT, ImageRedirects::initrd);
    // UEFI HTTP Boot loads the boot file the proxyDHCP names (after the literal /ipxe routes
    // above).
    r.on(GET, "/ipxe/{}", Guard.BOOT, bootFiles::serve);
    // Installers fetch their kickstart or preseed, and mark themselves installed when done: with
    // the
    // host's boot credential or a management token (HostAccess).
    r.on(GET, "/api/1.0/templates/{}/{}", Guard.BOOT, records::renderTemplate);

    // Management side.
    r.on(GET, "/api/1.0/hosts", Guard.READ, call -> events.listHosts(call, records::listHosts));
    r.on(GET, "/api/1.0/hosts/", Guard.READ, call -> events.listHosts(call, records::listHosts));
    r.on(
        GET,
        "/api/1.0/hosts/{}",
        call -> call.param("installed").isPresent() ? Guard.BOOT : Guard.READ,
        call -> events.getHost(call, records::getHost),
        false);
    r.on(POST, "/api/1.0/hosts/{}", Guard.WRITE, records::createHost);
    r.on(PUT, "/api/1.0/hosts/{}", Guard.WRITE, records::replaceHost);
    r.on(DELETE, "/api/1.0/hosts/{}", Guard.WRITE, records::deleteHost);

    r.on(GET, "/api/1.0/groups", Guard.READ, records::listGroups);
    r.on(GET, "/api/1.0/groups/", Guard.READ, records::listGroups);
    r.on(GET, "/api/1.0/groups/{}", Guard.READ, records::getGroup);
    r.on(POST, "/api/1.0/groups/{}", Guard.WRITE, records::createGroup);
    r.on(PUT, "/api/1.0/groups/{}", Guard.WRITE, records::replaceGroup);
    r.on(DELETE, "/api/1.0/groups/{}", Guard.WRITE, records::deleteGroup);

    r.on(GET, "/api/1.0/templates", Guard.READ, records::listTemplates);
    r.on(GET, "/api/1.0/templates/", Guard.READ, records::listTemplates);
    r.on(GET, "/api/1.0/templates/{}", Guard.READ, records::getTemplate);
    r.on(POST, "/api/1.0/templates/{}", Guard.WRITE, records::createTemplate);
    r.on(PUT, "/api/1.0/templates/{}", Guard.WRITE, records::replaceTemplate);
    r.on(DELETE, "/api/1.0/templates/{}", Guard.WRITE, records::deleteTemplate);

    r.on(GET, "/api/1.0/power/{}", Guard.READ, power::status);
    r.on(PUT, "/api/1.0/power/{}", Guard.WRITE, power::act);

    // Boot timeline, live events and metrics (management side).
    r.on(GET, "/api/1.0/hosts/{}/events", Guard.READ, events::hostEvents);
    r.on(GET, "/api/1.0/events", Guard.READ, events::allEvents);
    r.on(GET, "/api/1.0/events/stream", Guard.READ, events::stream);
    r.on(
        GET,
        "/metrics",
        Guard.READ,
        call -> new Reply(OK, ServerMetrics.CONTENT_TYPE, metrics.scrape(), Map.of()));
    ProvisionEndpoints provision = new ProvisionEndpoints(engine, json);
    r.on(POST, "/api/1.0/hosts/{}/provision", Guard.WRITE, provision::host);
    r.on(POST, "/api/1.0/provision", Guard.WRITE, provision::rack);
    // The operator console and what it asks of the API beyond the records.
    ConsoleEndpoints console = new ConsoleEndpoints(Routes.class.getClassLoader());
    r.on(GET, "/ui", Guard.CONSOLE, console::redirect);
    r.on(GET, "/ui/", Guard.CONSOLE, console::index);
    r.on(GET, "/ui/{}", Guard.CONSOLE, console::asset);
    r.on(GET, "/api/1.0/access", call -> Guard.READ, ConsoleEndpoints::access, true);
    TemplatePreview preview = new TemplatePreview(engine);
    r.on(GET, "/api/1.0/templates/{}/preview/{}", Guard.READ, preview::stored);
    r.on(POST, "/api/1.0/templates/{}/preview/{}", Guard.WRITE, preview::unsaved);
    return r;
  }
}
