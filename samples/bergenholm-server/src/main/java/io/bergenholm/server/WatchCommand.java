package io.bergenholm.server;

import static io.bergenholm.server.ApiClient.segment;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bergenholm watch}: follows the boot events live, one line per event, until stopped. */
@Command(
    name = "watch",
    description = "Follow boot events live, one line per event (Ctrl-C to stop).")
final class WatchCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(
      names = "--host",
      paramLabel = "ID",
      description = "Only events about this host id, MAC or IP.")
  String host;

  @Option(
      names = "--count",
      paramLabel = "N",
      description = "Stop after N events (default: never).")
  Integer count;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String path =
        "/events/stream" + Optional.ofNullable(host).map(h -> "?host=" + segment(h)).orElse("");
    int[] seen = {0};
    main.client()
        .follow(
            path,
            line -> {
              if (line.startsWith("data: ")) {
                out.println(EventLines.format(ApiClient.parse(line.substring(6))));
                out.flush();
                seen[0]++;
              }
              return count == null || seen[0] < count;
            });
    return Main.OK;
  }
}
