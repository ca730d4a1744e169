package io.bergenholm.server;

import static io.bergenholm.server.Serving.serve;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bergenholm host provision} against a real server on the sample data, with the dummy power
 * driver (on from the start, so a provision resets): one host, several, a failure among them, and
 * the read-write token it needs.
 */
class ProvisionCliTest {
  private static final String RW = "provision-rw-token-0123456789";
  private static final String RO = "provision-ro-token-0123456789";

  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  private static Result cli(String url, Path tokenFile, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] full = new String[args.length + 4];
    full[0] = "--url";
    full[1] = url;
    full[2] = "--token-file";
    full[3] = tokenFile.toString();
    System.arraycopy(args, 0, full, 4, args.length);
    int code = Main.run(full, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void provisionsOneHostAndARackAndSaysWhatWasDone() throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "rw " + RW + "\nro " + RO + "\n");
    Path rw = Files.writeString(dir.resolve("rw"), RW);
    Path ro = Files.writeString(dir.resolve("ro"), RO);
    Path conf = dir.resolve("bergenholm.properties");
    Files.writeString(
        conf, "http=127.0.0.1:0\ntokens=" + tokens + "\ndata-dir=" + dir.resolve("data") + "\n");
    try (ServeCommand.Running server = serve("serve", "--config", conf.toString())) {
      String url = "http://127.0.0.1:" + server.bootAddress().getPort() + "/api/1.0";
      Path json = dir.resolve("h.json");
      for (String id : new String[] {"rack-1", "rack-2", "rack-3"}) {
        Files.writeString(
            json, "{\"power_driver\": \"dummy\", \"groups\": [\"default\", \"installed\"]}");
        assertThat(cli(url, rw, "host", "create", id, json.toString()).code()).isZero();
      }
      Files.writeString(json, "{\"groups\": [\"default\"]}");
      assertThat(cli(url, rw, "host", "create", "no-driver", json.toString()).code()).isZero();

      Result one = cli(url, rw, "host", "provision", "rack-1", "--groups", "default");
      assertThat(one.code()).as(one.err()).isZero();
      assertThat(one.out()).isEqualTo("rack-1: groups, network_boot_next, reset\n");
      assertThat(cli(url, rw, "host", "show", "rack-1").out()).doesNotContain("installed");

      Result rack = cli(url, rw, "host", "provision", "rack-2", "rack-3", "no-driver");
      assertThat(rack.code()).isEqualTo(1);
      assertThat(rack.out())
          .isEqualTo(
              "rack-2: groups, network_boot_next, reset\n"
                  + "rack-3: groups, network_boot_next, reset\n");
      assertThat(rack.err())
          .contains("no-driver: FAILED at")
          .contains("(400)")
          .contains("power_driver");
      assertThat(cli(url, rw, "host", "show", "rack-3").out())
          .contains("\"default\"")
          .doesNotContain("installed");

      Result stale = cli(url, rw, "host", "provision", "rack-1", "--if-match", "not-the-version");
      assertThat(stale.code()).isEqualTo(1);
      assertThat(stale.err()).contains("rack-1: FAILED at groups (412) after nothing");

      Result readOnly = cli(url, ro, "host", "provision", "rack-1");
      assertThat(readOnly.code()).isEqualTo(1);
      assertThat(readOnly.err()).contains("403");
      Result readOnlyRack = cli(url, ro, "host", "provision", "rack-1", "rack-2");
      assertThat(readOnlyRack.code()).isEqualTo(1);
      assertThat(readOnlyRack.err()).contains("403");
    }
  }
}
