package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.render.RenderException;
import io.bergenholm.engine.Bergenholm;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Templates rendered for a host on the management side, for operators to look at: unlike the boot
 * side's {@code GET /api/1.0/templates/<name>/<id>} (what installers fetch), a preview is not a
 * boot step, so it records no boot event and changes no host's state; and, like every management
 * read, it masks secret parameters unless {@code ?secrets=show} comes with a read-write token.
 *
 * <ul>
 *   <li>{@code GET /api/1.0/templates/<name>/preview/<id>}: the stored template;
 *   <li>{@code POST} to the same path: an unsaved body (read-write tokens), as an editor previews
 *       it.
 * </ul>
 *
 * <p>The renderer's limits apply. A render error answers 400 with the template's {@code line}
 * beside the reason, so an editor can point at it.
 */
final class TemplatePreview {
  private final Bergenholm engine;
  private final Secrets secrets;

  TemplatePreview(Bergenholm engine) {
    this.engine = engine;
    this.secrets = new Secrets(engine);
  }

  Outcome stored(Call call) {
    String name = call.pathParam(0);
    RecordNames.check(RecordKind.TEMPLATE, name);
    String text =
        engine
            .template(name)
            .orElseThrow(() -> new NotFoundException(RecordKind.TEMPLATE, name))
            .value();
    return render(call, name, text);
  }

  Outcome unsaved(Call call) {
    String name = call.pathParam(0);
    RecordNames.check(RecordKind.TEMPLATE, name);
    return render(call, name, RecordEndpoints.readText(call, "template '" + name + "'"));
  }

  private Outcome render(Call call, String name, String text) {
    String hostId = call.pathParam(1);
    boolean show = RecordEndpoints.showSecrets(call);
    // Resolved first: an error in the host's parameters is not an error of this template's text.
    Map<String, Object> resolved = engine.resolveHost(hostId).params().asMap();
    Map<String, Object> params = show ? resolved : secrets.mask(resolved);
    try {
      String out = engine.renderer().render(name, text, params);
      // Shown in full, a preview carries a boot credential issued to the operator's address.
      return Reply.text(
          OK, show ? engine.bootCredentials().issueInto(out, hostId, call.source()) : out);
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
