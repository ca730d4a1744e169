package io.bergenholm.server;

import static io.bergenholm.server.ApiClient.segment;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code power status|on|off|reset ID}: a host's power through its {@code power_driver}. */
@Command(name = "power", description = "Power state and actions, through the host's power_driver.")
final class PowerCommand {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(name = "status", description = "Print on, off or unknown.")
  int status(@Parameters(paramLabel = "ID") String id) {
    String body = main.client().get("/power/" + segment(id)).body();
    spec.commandLine().getOut().println(ApiClient.parse(body).path("power").asText());
    return Main.OK;
  }

  @Command(name = "on", description = "Power the host on.")
  int on(@Parameters(paramLabel = "ID") String id) {
    return act(id, "on");
  }

  @Command(name = "off", description = "Power the host off.")
  int off(@Parameters(paramLabel = "ID") String id) {
    return act(id, "off");
  }

  @Command(name = "reset", description = "Reset the host.")
  int reset(@Parameters(paramLabel = "ID") String id) {
    return act(id, "reset");
  }

  private int act(String id, String action) {
    byte[] body = ("{\"power\": \"" + action + "\"}").getBytes(StandardCharsets.UTF_8);
    main.client().send("PUT", "/power/" + segment(id), Optional.of(body), "application/json");
    return Main.OK;
  }
}
