package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.ACCEPTED;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.engine.Bergenholm;
import java.util.Map;

/** {@code /api/1.0/power/<id>}: a known host's power state, and power actions. */
final class PowerEndpoints {
  private final Bergenholm engine;
  private final Json json;

  PowerEndpoints(Bergenholm engine, Json json) {
    this.engine = engine;
    this.json = json;
  }

  Outcome status(Call call) {
    String id = knownHost(call);
    return Reply.json(OK, Map.of("power", engine.powerStatus(id).wireName()));
  }

  Outcome act(Call call) {
    String id = knownHost(call);
    Params body = json.readObject(call.body());
    Object power =
        body.get("power")
            .orElseThrow(
                () ->
                    new BadInputException(
                        "host '"
                            + id
                            + "': the body must be {\"power\": \"on\"|\"off\"|\"reset\"}"));
    if (!(power instanceof String action)) {
      throw new BadInputException("host '" + id + "': 'power' must be a string, found " + power);
    }
    engine.power(id, PowerAction.fromWire(action), RequestLog.caller(call));
    return Reply.empty(ACCEPTED);
  }

  /** Power needs a stored host: an unknown one would resolve through {@code register}. */
  private String knownHost(Call call) {
    String id = call.pathParam(0);
    if (engine.host(id).isEmpty()) {
      throw new NotFoundException(RecordKind.HOST, id);
    }
    return id;
  }
}
