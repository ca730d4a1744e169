package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.render.RenderException;
import io.bergenholm.engine.Bergenholm;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/1.0/templates/<name>/preview/<id>}: renders an unsaved template body for a host,
 * as {@code GET /api/1.0/templates/<name>/<id>} would once it is saved, with the renderer's limits.
 * A render error answers 400 with the template's {@code line} beside the reason, so an editor can
 * point at it. Read-write tokens only: the output holds the host's secrets unmasked.
 */
final class TemplatePreview {
  private final Bergenholm engine;

  TemplatePreview(Bergenholm engine) {
    this.engine = engine;
  }

  Outcome preview(Call call) {
    String name = call.pathParam(0);
    String hostId = call.pathParam(1);
    RecordNames.check(RecordKind.TEMPLATE, name);
    String text = RecordEndpoints.readText(call, "template '" + name + "'");
    // Resolved first: an error in the host's parameters is not an error of this template's text.
    Map<String, Object> params = engine.resolveHost(hostId).params().asMap();
    try {
      return Reply.text(OK, engine.renderer().render(name, text, params));
    } catch (RenderException e) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", e.getMessage());
      body.put("status", BAD_REQUEST.code());
      body.put("template", e.template());
      if (e.template().equals(name)) {
        e.line().ifPresent(line -> body.put("line", line));
      }
      return Reply.json(BAD_REQUEST, body);
    }
  }
}
