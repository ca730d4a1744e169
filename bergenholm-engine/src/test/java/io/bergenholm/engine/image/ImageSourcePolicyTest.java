package io.bergenholm.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.store.MemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image URLs reach only what the policy allows: no file, loopback, link-local or own address by
 * default, checked on resolved addresses, for redirects and proxies too; the cache is private.
 */
class ImageSourcePolicyTest {
  /** The engine's own image sources, as the runner gets them. */
  private final Bergenholm sources = Bergenholm.builder().store(new MemoryStore()).build();

  @TempDir Path work;
  private TestUpstream upstream;
  private final List<ImageService> services = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    upstream = new TestUpstream();
  }

  @AfterEach
  void stop() throws IOException {
    sources.close();
    services.forEach(ImageService::close);
    upstream.close();
  }

  private ImageService service(SourcePolicy policy) {
    ImageService s =
        new ImageService(
            new ImageSettings(
                work.resolve("cache"),
                1L << 30,
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                Set.of(),
                policy),
            sources::imageSource);
    services.add(s);
    return s;
  }

  private static ImageTarget target(String url) {
    return new ImageTarget("kernel", URI.create(url), Optional.empty(), Optional.empty());
  }

  private static byte[] read(ImageService s, ImageTarget t) throws IOException {
    try (ImageHandle h = s.open("host-1", t);
        InputStream in = h.openStream()) {
      return in.readAllBytes();
    }
  }

  @Test
  void fileUrlsAreRefusedUnlessTheSchemeIsEnabled() throws IOException {
    Path secret = Files.writeString(work.resolve("shadow"), "root:$6$hash");
    assertThatThrownBy(() -> read(service(SourcePolicy.DEFAULT), target(secret.toUri().toString())))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host host-1: kernel")
        .hasMessageContaining("scheme 'file'")
        .hasMessageContaining(SourcePolicy.ALLOW_SCHEMES);
    SourcePolicy withFile =
        new SourcePolicy(Set.of("http", "https", "file"), false, false, true, false);
    assertThat(read(service(withFile), target(secret.toUri().toString())))
        .asString()
        .startsWith("root:");
  }

  @Test
  void loopbackLinkLocalUnspecifiedAndOwnAddressesAreRefusedBeforeAnyRequest() throws IOException {
    upstream.put("/k", new byte[10]);
    ImageService s = service(SourcePolicy.DEFAULT);
    assertRefused(s, upstream.uri("/k").toString(), "loopback");
    assertRefused(
        s, "http://localhost:" + upstream.port() + "/k", "loopback"); // a name, checked resolved
    assertRefused(s, "http://[::1]:" + upstream.port() + "/k", "loopback");
    assertRefused(s, "http://169.254.169.254/latest/meta-data/", "link-local");
    assertRefused(s, "http://[fe80::1]/k", "link-local");
    assertRefused(s, "http://0.0.0.0:" + upstream.port() + "/k", "unspecified");
    assertThat(upstream.requests("/k")).isZero();
    // Allowed explicitly, loopback is fetched.
    assertThat(read(service(SourcePolicy.LOCAL_UPSTREAMS), target(upstream.uri("/k").toString())))
        .hasSize(10);
  }

  @Test
  void thisServersOwnAddressesAreRefused() throws Exception {
    InetAddress own = null;
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          own = a;
        }
      }
    }
    assumeThat(own).as("a non-loopback IPv4 address on this machine").isNotNull();
    assertRefused(
        service(SourcePolicy.DEFAULT), "http://" + own.getHostAddress() + ":9/k", "own addresses");
    // Private ranges are allowed by default: the address is refused as own, not as private.
    assertThat(SourcePolicy.DEFAULT.refusal(InetAddress.getByName("192.168.77.2"))).isNull();
    assertThat(SourcePolicy.DEFAULT.refusal(InetAddress.getByName("10.1.2.3"))).isNull();
    assertThat(
            new SourcePolicy(Set.of("http"), false, false, false, false)
                .refusal(InetAddress.getByName("10.1.2.3")))
        .contains(SourcePolicy.ALLOW_PRIVATE);
    assertThat(SourcePolicy.DEFAULT.refusal(InetAddress.getByName("::ffff:127.0.0.1")))
        .contains("loopback");
  }

  @Test
  void redirectsAreCheckedLikeTheFirstUrl() throws IOException {
    upstream.put("/to-metadata", new byte[0]).redirectTo =
        "http://169.254.169.254/latest/meta-data/";
    upstream.put("/to-file", new byte[0]).redirectTo = "file:///etc/passwd";
    upstream.put("/real", new byte[7]);
    upstream.put("/moved", new byte[0]).redirectTo = upstream.uri("/real").toString();
    ImageService s = service(SourcePolicy.LOCAL_UPSTREAMS);
    assertThatThrownBy(() -> read(s, target(upstream.uri("/to-metadata").toString())))
        .hasMessageContaining("redirected")
        .hasMessageContaining("link-local");
    assertThatThrownBy(() -> read(s, target(upstream.uri("/to-file").toString())))
        .hasMessageContaining("redirected")
        .hasMessageContaining("scheme 'file'");
    assertThat(read(s, target(upstream.uri("/moved").toString()))).hasSize(7);
  }

  @Test
  void aProxyOnAForbiddenAddressIsRefused() throws Exception {
    try (TestUpstream.ForwardProxy proxy = new TestUpstream.ForwardProxy()) {
      ImageTarget viaProxy =
          new ImageTarget(
              "kernel",
              URI.create("http://mirror.example.org/k"),
              Optional.of(proxy.uri()),
              Optional.empty());
      assertThatThrownBy(() -> read(service(SourcePolicy.DEFAULT), viaProxy))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("proxy_url")
          .hasMessageContaining("loopback");
      assertThat(proxy.targets()).isEmpty();
    }
  }

  @Test
  void settingsReadThePolicyKeys() {
    ImageSettings s =
        ImageSettings.fromConfig(
            Map.of(
                "images.cache_dir",
                "/srv/c",
                "images.allow_schemes",
                "https, file",
                "images.allow_loopback",
                "true",
                "images.allow_private",
                "false"));
    assertThat(s.policy())
        .isEqualTo(new SourcePolicy(Set.of("https", "file"), true, false, false, false));
    assertThat(ImageSettings.fromConfig(Map.of("images.cache_dir", "/srv/c")).policy())
        .isEqualTo(SourcePolicy.DEFAULT);
    assertThatThrownBy(() -> ImageSettings.fromConfig(Map.of("images.allow_loopback", "maybe")))
        .hasMessageContaining("images.allow_loopback");
    assertThat(ImageSettings.defaultCacheDir().toString())
        .doesNotStartWith("/tmp")
        .endsWith("bergenholm/images");
  }

  @Test
  void theCacheIsPrivateAndASharedDirectoryIsRefused() throws Exception {
    upstream.put("/k", new byte[100]);
    read(service(SourcePolicy.LOCAL_UPSTREAMS), target(upstream.uri("/k").toString()));
    Path cache = work.resolve("cache");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)))
        .isEqualTo("rwx------");
    try (Stream<Path> files = Files.walk(cache)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as(f.toString())
            .isEqualTo("rw-------");
      }
    }
    Path shared = Files.createDirectory(work.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(
            () ->
                new ImageService(
                    new ImageSettings(
                        shared,
                        1L << 30,
                        Duration.ofSeconds(5),
                        Duration.ofMinutes(5),
                        Set.of(),
                        SourcePolicy.DEFAULT),
                    scheme -> Optional.empty()))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("writable by everyone")
        .hasMessageContaining("images.cache_dir");
  }

  private static void assertRefused(ImageService s, String url, String why) {
    assertThatThrownBy(() -> read(s, target(url)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host host-1: kernel")
        .hasMessageContaining(why);
  }
}
