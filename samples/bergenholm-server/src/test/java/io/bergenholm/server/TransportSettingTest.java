package io.bergenholm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config key {@code native-transport}: epoll by default where it loads, NIO when it is false,
 * and a value that is neither true nor false stops the server naming the key. Either way the server
 * answers.
 */
class TransportSettingTest {
  @TempDir Path dir;

  private ServeCommand.Running serve(String extraConfig) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("bergenholm.conf"),
            "store=memory:\nhttp=127.0.0.1:0\n"
                + "engine.boot.secret_file="
                + dir.resolve("secret")
                + "\n"
                + extraConfig);
    return Serving.serve("serve", "--config", config.toString());
  }

  private static int health(ServeCommand.Running server) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + server.bootAddress().getPort() + "/healthz"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }

  @Test
  void epollByDefaultNioWhenTurnedOff() throws Exception {
    try (ServeCommand.Running server = serve("")) {
      assertThat(server.nativeTransport()).isEqualTo(Epoll.isAvailable());
      assertThat(health(server)).isEqualTo(200);
    }
    try (ServeCommand.Running server = serve("native-transport=false\n")) {
      assertThat(server.nativeTransport()).isFalse();
      assertThat(health(server)).isEqualTo(200);
    }
  }

  @Test
  void aValueThatIsNotABooleanNamesTheKey() {
    assertThatThrownBy(() -> serve("native-transport=maybe\n"))
        .hasMessageContaining("native-transport")
        .hasMessageContaining("maybe");
  }
}
