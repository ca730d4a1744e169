package io.bergenholm.netboot.http;

import io.bergenholm.api.event.BootEvent;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.ImageMetricsSnapshot;
import io.bergenholm.engine.image.ImageService;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one JVM do not
 * mix). Boot counters are fed by the engine's event listener, so every transport that records an
 * event is counted with no code of its own; HTTP requests are counted by route pattern (never the
 * raw path, which holds attacker-chosen ids), so label values stay few.
 */
public final class ServerMetrics implements AutoCloseable {
  /** Content type of the Prometheus text format. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final Set<String> ARCHES =
      Set.of("0", "6", "7", "9", "10", "11", "15", "16", "19");

  private static final List<String> METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Map<String, RouteSeries> byRoute = new ConcurrentHashMap<>();
  private final Counter requests;
  private final Histogram latency;
  private final Counter dhcpOffers;
  private final Counter tftpTransfers;
  private final Counter tftpBytes;
  private final Counter images;
  private final Counter imageBytes;
  private final Counter scripts;
  private final Map<String, CounterDataPoint> scriptsByPurpose = new java.util.HashMap<>();
  private final Counter renders;
  private final Counter renderErrors;
  private final Counter registrations;
  private final Counter installs;
  private final Counter power;
  private final Counter storeErrors;
  private final Histogram storeLatency;
  private final AutoCloseable subscription;

  private ServerMetrics(Bergenholm engine) {
    requests =
        Counter.builder()
            .name("bergenholm_http_requests")
            .help("HTTP requests answered, by route pattern, method and status")
            .labelNames("route", "method", "status")
            .register(registry);
    latency =
        Histogram.builder()
            .name("bergenholm_http_request_duration_seconds")
            .help(
                "Time from request to response written (for images: to the response handed to the streamer)")
            .labelNames("route")
            .classicOnly()
            .classicUpperBounds(
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    dhcpOffers =
        Counter.builder()
            .name("bergenholm_dhcp_offers")
            .help("proxyDHCP offers sent, by client architecture (DHCP option 93)")
            .labelNames("arch")
            .register(registry);
    tftpTransfers =
        Counter.builder()
            .name("bergenholm_tftp_transfers")
            .help("TFTP transfers ended, by outcome")
            .labelNames("outcome")
            .register(registry);
    tftpBytes =
        Counter.builder()
            .name("bergenholm_tftp_bytes")
            .help("TFTP bytes sent, by outcome of the transfer")
            .labelNames("outcome")
            .register(registry);
    images =
        Counter.builder()
            .name("bergenholm_images_streamed")
            .help("Images streamed to clients, by source (cache, upstream) and outcome")
            .labelNames("source", "outcome")
            .register(registry);
    imageBytes =
        Counter.builder()
            .name("bergenholm_image_bytes_streamed")
            .help("Image bytes streamed to clients, by source")
            .labelNames("source")
            .register(registry);
    scripts =
        Counter.builder()
            .name("bergenholm_scripts_served")
            .help("iPXE scripts served, by purpose (install, register, local, other)")
            .labelNames("purpose")
            .register(registry);
    for (String purpose : List.of("install", "register", "local", "other")) {
      scriptsByPurpose.put(purpose, scripts.labelValues(purpose));
    }
    renders =
        Counter.builder()
            .name("bergenholm_renders")
            .help("Templates rendered for booting hosts (scripts, kickstarts, preseeds)")
            .register(registry);
    renderErrors =
        Counter.builder()
            .name("bergenholm_render_errors")
            .help("Templates that failed to render for a booting host")
            .register(registry);
    registrations =
        Counter.builder()
            .name("bergenholm_registrations")
            .help("Hosts that registered themselves")
            .register(registry);
    installs =
        Counter.builder()
            .name("bergenholm_installs_completed")
            .help("Hosts marked installed")
            .register(registry);
    power =
        Counter.builder()
            .name("bergenholm_power_calls")
            .help("Power actions, by driver and result")
            .labelNames("driver", "result")
            .register(registry);
    storeErrors =
        Counter.builder()
            .name("bergenholm_store_errors")
            .help("Store failures met while serving a boot")
            .register(registry);
    storeLatency =
        Histogram.builder()
            .name("bergenholm_store_read_duration_seconds")
            .help("Time of store reads made by the management side (listings and timelines)")
            .labelNames("operation")
            .classicOnly()
            .classicUpperBounds(
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_events_dropped")
        .help("Boot events dropped because the writer's queue was full or the sink failed")
        .callback(cb -> cb.call(engine.events().dropped()))
        .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_events_suppressed")
        .help(
            "Boot events not stored because their host passed its events per second (still counted here)")
        .callback(cb -> cb.call(engine.events().suppressed()))
        .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_events_written")
        .help("Boot events written to the event sink")
        .callback(cb -> cb.call(engine.events().written()))
        .register(registry);
    JvmMetrics.builder().register(registry);
    subscription = engine.events().subscribe(this::count);
  }

  /** Metrics for this engine's boots, counted from its events from now on. */
  public static ServerMetrics forEngine(Bergenholm engine) {
    return new ServerMetrics(engine);
  }

  /** Adds the image cache's counters: upstream fetches, bytes and errors, and the cache size. */
  public ServerMetrics withImages(ImageService service) {
    Supplier<ImageMetricsSnapshot> now = service::metrics;
    CounterWithCallback.builder()
        .name("bergenholm_upstream_fetches")
        .help("Requests sent upstream for images (downloads and revalidations)")
        .callback(cb -> cb.call(now.get().upstreamFetches()))
        .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_upstream_bytes")
        .help("Image bytes received from upstream")
        .callback(cb -> cb.call(now.get().bytesFetched()))
        .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_upstream_errors")
        .help("Upstream downloads or revalidations that failed")
        .callback(cb -> cb.call(now.get().failures()))
        .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_image_digests_afterward")
        .help("Image digests computed from the cache after a download no host had named one for")
        .callback(cb -> cb.call(now.get().digestsAfterward()))
        .register(registry);
    CounterWithCallback.builder()
        .name("bergenholm_image_requests")
        .help("Image opens, by whether the cache answered (hit) or a download was needed (miss)")
        .labelNames("result")
        .callback(
            cb -> {
              ImageMetricsSnapshot s = now.get();
              cb.call(s.hits(), "hit");
              cb.call(s.misses(), "miss");
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("bergenholm_image_cache_bytes")
        .help("Bytes in the image cache")
        .callback(cb -> cb.call(now.get().cachedBytes()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("bergenholm_image_cache_images")
        .help("Images in the image cache")
        .callback(cb -> cb.call(now.get().cachedImages()))
        .register(registry);
    return this;
  }

  /** Stops counting the engine's events (the registry stays readable). */
  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The registry, for an embedder's own metrics. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Counts one answered request. {@code route} must be a route pattern or a fixed word. */
  void request(String route, String method, int status, long nanos) {
    RouteSeries series =
        byRoute.computeIfAbsent(route, r -> new RouteSeries(latency.labelValues(r)));
    series.latency().observe(nanos / 1e9);
    int m = METHODS.indexOf(method);
    int key = status * 8 + (m < 0 ? 7 : m);
    series
        .counts()
        .computeIfAbsent(key, k -> requests.labelValues(route, method, Integer.toString(status)))
        .inc();
  }

  /** A route's series, looked up once rather than by label values on every request. */
  private record RouteSeries(DistributionDataPoint latency, Map<Integer, CounterDataPoint> counts) {
    RouteSeries(DistributionDataPoint latency) {
      this(latency, new ConcurrentHashMap<>());
    }
  }

  /** Times a store read made on behalf of the management side. */
  <T> T timedRead(String operation, Supplier<T> read) {
    long started = System.nanoTime();
    try {
      return read.get();
    } finally {
      storeLatency.labelValues(operation).observe((System.nanoTime() - started) / 1e9);
    }
  }

  /** The exposition, in the Prometheus text format. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void count(BootEvent e) {
    Map<String, String> a = e.attributes();
    boolean ok = e.outcome().equals(BootEvent.OK);
    switch (e.kind()) {
      case BootEvent.KIND_DHCP_OFFER -> {
        String arch = a.getOrDefault("arch", "");
        dhcpOffers.labelValues(ARCHES.contains(arch) ? arch : "other").inc();
      }
      case BootEvent.KIND_TFTP_TRANSFER -> {
        String outcome = bounded(e.outcome());
        tftpTransfers.labelValues(outcome).inc();
        tftpBytes.labelValues(outcome).inc(number(a.get("bytes")));
      }
      case BootEvent.KIND_IMAGE_STREAMED -> {
        String source = "cache".equals(a.get("source")) ? "cache" : "upstream";
        images.labelValues(source, bounded(e.outcome())).inc();
        imageBytes.labelValues(source).inc(number(a.get("bytes")));
      }
      case BootEvent.KIND_SCRIPT_SERVED -> {
        if (ok) {
          String purpose = a.getOrDefault("purpose", "other");
          scriptsByPurpose.getOrDefault(purpose, scriptsByPurpose.get("other")).inc();
          renders.inc();
        }
      }
      case BootEvent.KIND_TEMPLATE_RENDERED -> {
        if (ok) {
          renders.inc();
        }
      }
      case BootEvent.KIND_RENDER_ERROR -> renderErrors.inc();
      case BootEvent.KIND_STORE_ERROR -> storeErrors.inc();
      case BootEvent.KIND_HOST_REGISTERED -> registrations.inc();
      case BootEvent.KIND_HOST_INSTALLED -> installs.inc();
      case BootEvent.KIND_POWER ->
          power.labelValues(bounded(a.getOrDefault("driver", "")), ok ? "ok" : "error").inc();
      default -> {}
    }
  }

  /** Outcomes and driver names are ours, but cap them anyway: labels must stay a small set. */
  private static String bounded(String value) {
    return value.length() <= 32 && value.matches("[a-z0-9_.-]*") ? value : "other";
  }

  private static long number(String s) {
    if (s == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(s));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
