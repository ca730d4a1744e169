package io.bergenholm.engine;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.Provider;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.api.render.RenderException;
import io.bergenholm.api.render.RendererProvider;
import io.bergenholm.api.render.TemplateRenderer;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import io.bergenholm.engine.event.BootEvents;
import io.bergenholm.engine.event.MemoryEventSink;
import io.bergenholm.engine.plugin.PluginFolder;
import io.bergenholm.engine.render.JinjavaRenderer;
import io.bergenholm.engine.render.JinjavaRendererProvider;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embeddable engine: everything the REST API, the iPXE endpoints and the CLI do, as plain
 * method calls. Built with {@link #builder()}; thread-safe; blocking (transports call it from an
 * executor, never from an event loop).
 *
 * <p>Errors are the {@link io.bergenholm.api.BergenholmException} subclasses, each naming the host,
 * group, key or template line.
 *
 * <h2>Configuration keys</h2>
 *
 * <ul>
 *   <li>{@value #STORE}: the store location, such as {@code file:/var/lib/bergenholm}, {@code
 *       mongodb://db1/bergenholm} or {@code memory:}; its scheme names the store provider. Keys
 *       under {@code store.} go to that provider (beside {@link StoreProvider#LOCATION}).
 *   <li>{@value #RENDERER}: the renderer provider (default {@code jinjava}); keys under {@code
 *       renderer.} go to it (for Jinjava: {@code renderer.strict}, {@code
 *       renderer.max_output_chars}, {@code renderer.max_nodes}, {@code renderer.timeout_ms}, {@code
 *       renderer.range_limit}, {@code renderer.max_depth}, {@code renderer.max_collection_size}).
 *   <li>{@code power.<driver>.<key>}: config of the power driver a host names in {@code
 *       power_driver}, created on first use, one instance per name.
 *   <li>{@code image.<provider>.<key>}: config of an image source provider, created on first use.
 *   <li>{@value #CACHE_ENABLED} (default true), {@value #CACHE_MAX_HOSTS} (default 20000), {@value
 *       #CACHE_MAX_RENDERS} (default 20000): the caches of resolved hosts and rendered templates;
 *       any change to the store (through this engine or not) invalidates them, as {@link
 *       ParameterStore#changeStamp()} tells.
 *   <li>{@value #MAX_PASSES} (default 32): expansion passes before parameters that keep changing
 *       are reported as a cycle; {@value #MAX_VALUE_CHARS} (default 262144): the longest value
 *       expansion may produce, beyond which a value that refers to itself is reported.
 *   <li>{@value BootCredentials#SECRET_FILE} or {@value BootCredentials#SECRET}: the secret behind
 *       each host's {@value BootCredentials#PARAMETER} (see {@link BootCredentials}).
 *   <li>{@value #EVENTS_QUEUE} (default 10000): boot events waiting for the background writer
 *       before new ones are dropped (and counted); {@value #EVENTS_MAX_PER_HOST} (default 500) and
 *       {@value #EVENTS_MAX_TOTAL} (default 50000): the bounds of the in-memory timeline, used when
 *       the store keeps no events itself ({@link ParameterStore#events()}) and no sink was handed
 *       to the builder; {@value #EVENTS_RATE} (default 100): events of one host (or MAC, or IP)
 *       stored per second, beyond which they are counted but not stored (metrics and live streams
 *       still see them).
 *   <li>{@code plugins.prefer.<spi>.<name>} ({@code <spi>} is {@code store}, {@code renderer},
 *       {@code power} or {@code image}) and {@code plugins.prefer.scheme.<scheme>}: the provider
 *       class to use when two providers claim one name or one image URL scheme, which is an error
 *       otherwise. Providers handed to the builder win without this.
 * </ul>
 */
public final class Bergenholm implements AutoCloseable {
  public static final String STORE = "store";
  public static final String RENDERER = "renderer";
  public static final String CACHE_ENABLED = "cache.enabled";
  public static final String CACHE_MAX_HOSTS = "cache.max_hosts";
  public static final String CACHE_MAX_RENDERS = "cache.max_renders";
  public static final String MAX_PASSES = "expansion.max_passes";
  public static final String MAX_VALUE_CHARS = "expansion.max_value_chars";
  public static final String FACTS_ARE_DATA = "expansion.facts_are_data";
  public static final String RENDER_THREADS = "render.threads";
  public static final String RENDER_SLOW_SLOTS = "render.slow_slots";
  public static final String RENDER_SLOW_MS = "render.slow_ms";
  public static final String RENDER_DEADLINE_MS = "render.deadline_ms";
  public static final String RENDER_QUEUE_WAIT_MS = "render.queue_wait_ms";
  public static final String RENDER_MAX_ALLOCATED_MB = "render.max_allocated_mb";
  public static final String RENDER_RETRY_STOPPED_MS = "render.retry_stopped_ms";
  public static final String EVENTS_QUEUE = "events.queue";
  public static final String EVENTS_MAX_PER_HOST = "events.max_per_host";
  public static final String EVENTS_MAX_TOTAL = "events.max_total";
  public static final String EVENTS_RATE = "events.max_per_host_per_second";

  /** The group that {@link #markInstalled} adds and removes. */
  public static final String INSTALLED = "installed";

  /** The host parameter {@link #markInstalled} writes: when the host was last marked installed. */
  public static final String INSTALLED_AT = "installed_at";

  /** The group new hosts join at {@link #register}. */
  public static final String DEFAULT_GROUP = "default";

  /** The machine facts {@link #register} keeps, in this order. */
  public static final List<String> REGISTER_FACTS = Facts.NAMES;

  private static final Logger log = LoggerFactory.getLogger(Bergenholm.class);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final ParameterStore store;
  private final boolean ownsStore;
  private final TemplateRenderer renderer;
  private final Inheritance inheritance;
  private final Expansion expansion;
  private final Map<String, String> config;
  private final Plugins<PowerDriverProvider> powerProviders;
  private final Plugins<ImageSourceProvider> imageProviders;
  private final Map<String, PowerDriver> powerDrivers = new ConcurrentHashMap<>();
  private final Map<String, ImageSourceProvider> imageSchemes;
  private final Map<String, ImageSource> imageSources = new ConcurrentHashMap<>();
  private final Set<String> secretParameters;
  private final BootCredentials bootCredentials;
  private final SecretPolicy secretPolicy;
  private final EngineContext context;
  private final PluginFolder pluginFolder;
  private final Cache<String, Stamped<Resolution>> resolved;
  private final Cache<RenderKey, Stamped<String>> rendered;
  private final RenderWorkers workers;
  private final BootEvents events;
  private final Cache<String, Stamped<ServedScript>> scripts;
  private final long retryStoppedNanos;

  /**
   * A cached result, or the failure it gave: not computed again until the store changes, or, for a
   * failure that may not recur (a render stopped by its wall-clock deadline), until {@code retryAt}
   * ({@link System#nanoTime()}; 0 for never).
   */
  private record Stamped<T>(long stamp, T value, BadInputException failure, long retryAt) {
    static <T> Stamped<T> of(long stamp, T value) {
      return new Stamped<>(stamp, value, null, 0);
    }

    static <T> Stamped<T> failed(long stamp, BadInputException failure, long retryNanos) {
      boolean retryable = failure instanceof RenderException r && r.retryable();
      return new Stamped<>(
          stamp, null, failure, retryable ? Math.max(1, System.nanoTime() + retryNanos) : 0);
    }

    boolean current(long now) {
      return stamp == now && (retryAt == 0 || System.nanoTime() - retryAt < 0);
    }

    T get() {
      if (failure != null) {
        throw failure;
      }
      return value;
    }
  }

  private record RenderKey(String template, String hostId) {}

  private record JobKey(Object what, long stamp) {}

  private record ServedScript(String text, String template, String purpose) {}

  private Bergenholm(
      Builder b,
      List<ClassLoader> loaders,
      ParameterStore store,
      boolean ownsStore,
      EngineContext context,
      SecretPolicy secretsPolicy,
      PluginFolder pluginFolder) {
    this.config = Map.copyOf(b.config);
    this.store = store;
    this.ownsStore = ownsStore;
    this.context = context;
    this.pluginFolder = pluginFolder;
    context.attach(store);
    this.powerProviders =
        Plugins.load(
            "power", "power driver", PowerDriverProvider.class, loaders, b.powerProviders, config);
    this.imageProviders =
        Plugins.load(
            "image", "image source", ImageSourceProvider.class, loaders, b.imageProviders, config);
    this.imageSchemes =
        Plugins.claims(
            "image source",
            imageProviders.all(),
            b.imageProviders,
            ImageSourceProvider::schemes,
            Plugins.PREFER + "scheme.",
            config);
    Set<String> secrets = new HashSet<>();
    for (PowerDriverProvider p : powerProviders.all()) {
      secrets.addAll(p.secretParameters());
    }
    secrets.add(BootCredentials.PARAMETER);
    this.secretParameters = Set.copyOf(secrets);
    this.bootCredentials = BootCredentials.fromConfig(config);
    this.secretPolicy = secretsPolicy;
    secretParameters.forEach(secretsPolicy::declare);

    TemplateRenderer r;
    String rendererName = config.getOrDefault(RENDERER, JinjavaRendererProvider.NAME);
    if (b.renderer != null) {
      r = b.renderer;
    } else {
      Plugins<RendererProvider> renderers =
          Plugins.load("renderer", "renderer", RendererProvider.class, loaders, List.of(), config);
      RendererProvider provider = renderers.get(rendererName);
      declareSecrets(secretsPolicy, RENDERER + ".", provider);
      r =
          Objects.requireNonNull(
              provider.create(rendererName, Plugins.section(config, RENDERER + "."), context),
              "renderer provider returned null");
    }
    // Parameters are mostly plain {{ name }} substitutions; for Jinjava's output those have a fast
    // path.
    SimpleTemplates simple =
        r instanceof JinjavaRenderer jr
            ? new SimpleTemplates(jr.limits().maxOutputChars(), 100_000)
            : null;
    this.renderer = r;
    for (PowerDriverProvider p : powerProviders.all()) {
      declareSecrets(secretsPolicy, "power." + p.name() + ".", p);
    }
    for (ImageSourceProvider p : imageProviders.all()) {
      declareSecrets(secretsPolicy, "image." + p.name() + ".", p);
    }

    this.inheritance = new Inheritance(store, bootCredentials);
    this.expansion =
        new Expansion(
            renderer,
            simple,
            intSetting(MAX_PASSES, 32),
            intSetting(MAX_VALUE_CHARS, 256 * 1024),
            booleanSetting(FACTS_ARE_DATA, true));
    boolean cache = booleanSetting(CACHE_ENABLED, true);
    this.resolved =
        CacheBuilder.newBuilder()
            .maximumSize(cache ? intSetting(CACHE_MAX_HOSTS, 20_000) : 0)
            .build();
    this.rendered =
        CacheBuilder.newBuilder()
            .maximumSize(cache ? intSetting(CACHE_MAX_RENDERS, 20_000) : 0)
            .build();
    this.workers =
        new RenderWorkers(
            intSetting(RENDER_THREADS, 4),
            intSetting(RENDER_SLOW_SLOTS, 8),
            intSetting(RENDER_DEADLINE_MS, 5000),
            intSetting(RENDER_SLOW_MS, 200),
            intSetting(RENDER_QUEUE_WAIT_MS, 2000),
            intSetting(RENDER_MAX_ALLOCATED_MB, 512) * (1L << 20));
    this.retryStoppedNanos =
        TimeUnit.MILLISECONDS.toNanos(intSetting(RENDER_RETRY_STOPPED_MS, 30_000));
    this.scripts =
        CacheBuilder.newBuilder()
            .maximumSize(cache ? intSetting(CACHE_MAX_RENDERS, 20_000) : 0)
            .build();
    BootEventSink sink =
        b.eventSink != null
            ? b.eventSink
            : store
                .events()
                .orElseGet(
                    () ->
                        new MemoryEventSink(
                            intSetting(EVENTS_MAX_PER_HOST, 500),
                            intSetting(EVENTS_MAX_TOTAL, 50_000)));
    this.events =
        new BootEvents(sink, intSetting(EVENTS_QUEUE, 10_000), intSetting(EVENTS_RATE, 100));
    log.info(
        "engine ready: store {}, renderer {}, power drivers [{}], image sources [{}], settings {}",
        ownsStore ? Secrets.maskLocation(config.get(STORE)) : store.getClass().getSimpleName(),
        b.renderer != null ? renderer.getClass().getSimpleName() : rendererName,
        powerProviders.names(),
        imageProviders.names(),
        maskedConfig(secretsPolicy));
  }

  private static void declareSecrets(SecretPolicy policy, String prefix, Provider<?> provider) {
    for (String k : provider.secretConfigKeys()) {
      policy.declare(k);
      policy.declare(prefix + k);
    }
  }

  private Map<String, String> maskedConfig(SecretPolicy policy) {
    Map<String, String> out = new TreeMap<>();
    config.forEach((k, v) -> out.put(k, policy.mask(k, v)));
    return out;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds an engine from plugins and settings. */
  public static final class Builder {
    private final Map<String, String> config = new LinkedHashMap<>();
    private ParameterStore store;
    private ClassLoader loader;
    private Path pluginFolder;
    private TemplateRenderer renderer;
    private BootEventSink eventSink;
    private final List<StoreProvider> storeProviders = new ArrayList<>();
    private final List<PowerDriverProvider> powerProviders = new ArrayList<>();
    private final List<ImageSourceProvider> imageProviders = new ArrayList<>();

    private Builder() {}

    /**
     * Settings as a plain map (see the class comment for keys; {@code store} picks the store). Adds
     * to earlier settings.
     */
    public Builder config(Map<String, String> config) {
      config.forEach(this::setting);
      return this;
    }

    /** One setting. */
    public Builder setting(String key, String value) {
      this.config.put(
          Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
      return this;
    }

    /**
     * Uses this store instead of one chosen by {@code store=} in the config; the caller closes it.
     */
    public Builder store(ParameterStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Where ServiceLoader looks for plugins (default: this class's loader). */
    public Builder pluginClassLoader(ClassLoader loader) {
      this.loader = Objects.requireNonNull(loader, "loader");
      return this;
    }

    /**
     * Also loads the plugins in {@code dir}, each jar (or each folder of jars) with its own class
     * loader that shares only the API with the engine; see {@link PluginFolder}. The engine closes
     * those loaders when it closes.
     */
    public Builder pluginFolder(Path dir) {
      this.pluginFolder = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** Uses this renderer instead of one chosen by {@code renderer=}. */
    public Builder renderer(TemplateRenderer renderer) {
      this.renderer = Objects.requireNonNull(renderer, "renderer");
      return this;
    }

    /**
     * Keeps boot events in this sink instead of the store's ({@link ParameterStore#events()}); the
     * caller closes it.
     */
    public Builder events(BootEventSink sink) {
      this.eventSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** Offers a store provider beside those found on the class path; it wins a name clash. */
    public Builder addStoreProvider(StoreProvider provider) {
      storeProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Offers a power driver provider beside those found on the class path; it wins a name clash.
     */
    public Builder addPowerDriver(PowerDriverProvider provider) {
      powerProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Offers an image source provider beside those found on the class path; it wins a name clash.
     */
    public Builder addImageSource(ImageSourceProvider provider) {
      imageProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    public Bergenholm build() {
      ClassLoader own = loader != null ? loader : Bergenholm.class.getClassLoader();
      PluginFolder folder =
          pluginFolder == null
              ? null
              : PluginFolder.open(pluginFolder, Bergenholm.class.getClassLoader());
      List<ClassLoader> loaders = new ArrayList<>();
      loaders.add(own);
      if (folder != null) {
        loaders.addAll(folder.classLoaders());
      }
      SecretPolicy secrets = new SecretPolicy();
      EngineContext context = new EngineContext(secrets);
      ParameterStore opened = null;
      try {
        if (store != null) {
          return new Bergenholm(this, loaders, store, false, context, secrets, folder);
        }
        opened = openStore(loaders, context, secrets);
        return new Bergenholm(this, loaders, opened, true, context, secrets, folder);
      } catch (RuntimeException e) {
        if (opened != null) {
          opened.close();
        }
        context.close();
        if (folder != null) {
          folder.close();
        }
        throw e;
      }
    }

    private ParameterStore openStore(
        List<ClassLoader> plugins, EngineContext context, SecretPolicy secrets) {
      String location = config.get(STORE);
      if (location == null || location.isBlank()) {
        throw new BadInputException(
            "no store configured: set '"
                + STORE
                + "' (for example file:/var/lib/bergenholm or memory:) or hand one to the builder");
      }
      int colon = location.indexOf(':');
      String scheme =
          (colon < 0 ? location : location.substring(0, colon)).toLowerCase(Locale.ROOT);
      StoreProvider provider =
          Plugins.load("store", "store", StoreProvider.class, plugins, storeProviders, config)
              .get(scheme);
      Map<String, String> storeConfig = new LinkedHashMap<>(Plugins.section(config, STORE + "."));
      storeConfig.put(StoreProvider.LOCATION, location);
      declareSecrets(secrets, STORE + ".", provider);
      return Objects.requireNonNull(
          provider.create(scheme, storeConfig, context), "store provider returned null");
    }
  }

  // ---- hosts (stored parameters) ----

  /**
   * Host ids whose stored parameters match every criterion exactly (empty map: all hosts), sorted.
   */
  public List<String> listHosts(Map<String, String> criteria) {
    // A filter on a secret would answer whether a guess is right.
    secretPolicy.checkFilter(criteria);
    return criteria.isEmpty() ? store.hosts().list() : store.queryHosts(criteria);
  }

  public Optional<Versioned<Params>> host(String id) {
    return store.hosts().get(id);
  }

  public Versioned<Params> createHost(String id, Params params) {
    return store.hosts().create(id, params);
  }

  public Versioned<Params> replaceHost(String id, Params params, Optional<String> ifVersion) {
    return store.hosts().replace(id, params, ifVersion);
  }

  public void deleteHost(String id, Optional<String> ifVersion) {
    store.hosts().delete(id, ifVersion);
  }

  // ---- groups ----

  public List<String> listGroups() {
    return store.groups().list();
  }

  public Optional<Versioned<Params>> group(String name) {
    return store.groups().get(name);
  }

  public Versioned<Params> createGroup(String name, Params params) {
    return store.groups().create(name, params);
  }

  public Versioned<Params> replaceGroup(String name, Params params, Optional<String> ifVersion) {
    return store.groups().replace(name, params, ifVersion);
  }

  public void deleteGroup(String name, Optional<String> ifVersion) {
    store.groups().delete(name, ifVersion);
  }

  // ---- templates ----

  public List<String> listTemplates() {
    return store.templates().list();
  }

  public Optional<Versioned<String>> template(String name) {
    return store.templates().get(name);
  }

  public Versioned<String> createTemplate(String name, String text) {
    return store.templates().create(name, text);
  }

  public Versioned<String> replaceTemplate(String name, String text, Optional<String> ifVersion) {
    return store.templates().replace(name, text, ifVersion);
  }

  public void deleteTemplate(String name, Optional<String> ifVersion) {
    store.templates().delete(name, ifVersion);
  }

  // ---- resolution and rendering ----

  /**
   * Inherited and expanded parameters; an unknown id resolves through the {@code register} host.
   */
  public Resolution resolveHost(String id) {
    RecordNames.check(RecordKind.HOST, id);
    // The stamp is read before the store is, so a write racing this call leaves a stale stamp on
    // the entry and the next call computes again.
    long stamp = store.changeStamp();
    Stamped<Resolution> hit = resolved.getIfPresent(id);
    if (hit != null && hit.current(stamp)) {
      return hit.get();
    }
    Stamped<Resolution> result;
    try {
      result =
          Stamped.of(
              stamp,
              workers.call(
                  new JobKey(id, stamp),
                  "the parameters of host '" + id + "'",
                  "parameters of host '" + id + "'",
                  () -> {
                    Inheritance.Merged merged = inheritance.host(id);
                    return new Resolution(
                        id, merged.known(), Params.of(expansion.expand(merged, null)));
                  }));
    } catch (BadInputException e) {
      result = Stamped.failed(stamp, e, retryStoppedNanos);
    }
    resolved.put(id, result);
    return result.get();
  }

  /** For every resolved key of a host: which record supplied it, raw and expanded. */
  public Map<String, Provenance> explainHost(String id) {
    RecordNames.check(RecordKind.HOST, id);
    Inheritance.Merged merged = inheritance.host(id);
    Map<String, String> origins = new HashMap<>();
    Map<String, Object> expanded =
        workers.call(
            new Object(),
            "the explanation of host '" + id + "'",
            "parameters of host '" + id + "'",
            () -> expansion.expand(merged, origins));
    Map<String, Provenance> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : expanded.entrySet()) {
      String from = origins.getOrDefault(e.getKey(), e.getKey());
      out.put(
          e.getKey(),
          new Provenance(
              merged.sources().getOrDefault(from, Inheritance.COMPUTED),
              merged.raw().get(from),
              e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /** A group's inherited parameters, not expanded. @throws io.bergenholm.api.NotFoundException */
  public Params resolveGroup(String name) {
    return inheritance.group(name).orElseThrow(() -> new NotFoundException(RecordKind.GROUP, name));
  }

  /** Renders template {@code name} against host {@code hostId}'s resolved parameters. */
  public String renderTemplate(String name, String hostId) {
    RecordNames.check(RecordKind.TEMPLATE, name);
    long stamp = store.changeStamp();
    RenderKey key = new RenderKey(name, hostId);
    Stamped<String> hit = rendered.getIfPresent(key);
    if (hit != null && hit.current(stamp)) {
      return hit.get();
    }
    Map<String, Object> params = resolveHost(hostId).params().asMap();
    String text =
        store
            .templates()
            .get(name)
            .map(Versioned::value)
            .orElseThrow(() -> new NotFoundException(RecordKind.TEMPLATE, name));
    Stamped<String> result;
    try {
      result =
          Stamped.of(
              stamp,
              workers.call(
                  new JobKey(key, stamp),
                  "template '" + name + "' for host '" + hostId + "'",
                  name,
                  () -> renderer.render(name, text, params)));
    } catch (BadInputException e) {
      result = Stamped.failed(stamp, e, retryStoppedNanos);
    }
    rendered.put(key, result);
    return result.get();
  }

  /**
   * The iPXE script of a host: the template its {@code ipxe_script} names, rendered for it, as
   * stored: its boot credential is the stand-in {@link BootCredentials#placeholder()}. Records a
   * {@value BootEvent#KIND_SCRIPT_SERVED} event (or an error event). A transport that serves the
   * script to a machine calls {@link #ipxeScript(String, InetAddress)}.
   */
  public String ipxeScript(String hostId) {
    return ipxeScript(hostId, Optional.empty());
  }

  /**
   * The iPXE script of a host as served to {@code client}: rendered as {@link #ipxeScript(String)}
   * does, with a boot credential issued to {@code client} in place of the stand-in, and the
   * client's address in the {@value BootEvent#KIND_SCRIPT_SERVED} event.
   */
  public String ipxeScript(String hostId, InetAddress client) {
    String script = ipxeScript(hostId, Optional.of(client));
    return bootCredentials.issueInto(script, hostId, client);
  }

  private String ipxeScript(String hostId, Optional<InetAddress> client) {
    long started = System.nanoTime();
    try {
      long stamp = store.changeStamp();
      Resolution r = resolveHost(hostId);
      String script = ipxeScript(hostId, r);
      String template = String.valueOf(r.params().get("ipxe_script").orElse(""));
      String purpose = ScriptPurpose.of(r.known(), script);
      scripts.put(hostId, Stamped.of(stamp, new ServedScript(script, template, purpose)));
      events.record(
          scriptServed(
              hostId,
              client,
              Map.of(
                  "template",
                  template,
                  "purpose",
                  purpose,
                  "duration_ms",
                  EventTimes.millisSince(started))));
      return script;
    } catch (RuntimeException e) {
      events.record(EventTimes.failure(hostId, "ipxe_script", e, started));
      throw e;
    }
  }

  private static BootEvent scriptServed(
      String hostId, Optional<InetAddress> client, Map<String, String> attributes) {
    return new BootEvent(
        Instant.now(),
        BootEvent.KIND_SCRIPT_SERVED,
        Optional.of(hostId),
        Optional.empty(),
        client.map(InetAddress::getHostAddress),
        BootEvent.OK,
        attributes);
  }

  /**
   * The host's iPXE script, as {@link #ipxeScript(String, InetAddress)} serves it, if a rendering
   * made since the store last changed is cached, recording the same event; empty otherwise (then
   * call {@link #ipxeScript(String, InetAddress)} off the event loop). Never blocks and never reads
   * the store: safe on an event loop.
   */
  public Optional<String> cachedIpxeScript(String hostId, InetAddress client) {
    long started = System.nanoTime();
    Stamped<ServedScript> hit = scripts.getIfPresent(hostId);
    if (hit == null || hit.stamp() != store.changeStamp()) {
      return Optional.empty();
    }
    ServedScript s = hit.value();
    events.record(
        scriptServed(
            hostId,
            Optional.of(client),
            Map.of(
                "template",
                s.template(),
                "purpose",
                s.purpose(),
                "duration_ms",
                EventTimes.millisSince(started),
                "cached",
                "true")));
    return Optional.of(bootCredentials.issueInto(s.text(), hostId, client));
  }

  private String ipxeScript(String hostId, Resolution r) {
    Object script = r.params().get("ipxe_script").orElse(null);
    String who =
        r.known()
            ? "host '" + hostId + "'"
            : "host '" + hostId + "' (unknown, resolved through 'register')";
    if (script == null) {
      throw new NotFoundException(
          "'ipxe_script' parameter of " + (r.known() ? "host" : "unknown host"), hostId);
    }
    if (!(script instanceof String name) || !RecordNames.isValid(name)) {
      throw new BadInputException(who + ": 'ipxe_script' must name a template, found " + script);
    }
    try {
      return renderTemplate(name, hostId);
    } catch (NotFoundException e) {
      if (e.what().equals(RecordKind.TEMPLATE.singular()) && e.name().equals(name)) {
        throw new NotFoundException("template named by 'ipxe_script' of " + who + ":", name);
      }
      throw e;
    }
  }

  /**
   * Renders a template for a booting host (its kickstart or preseed), recording a {@value
   * BootEvent#KIND_TEMPLATE_RENDERED} event (or an error event).
   */
  public String bootTemplate(String name, String hostId) {
    long started = System.nanoTime();
    try {
      String out = renderTemplate(name, hostId);
      events.record(
          BootEvent.KIND_TEMPLATE_RENDERED,
          hostId,
          BootEvent.OK,
          Map.of(
              "template",
              name,
              "bytes",
              String.valueOf(out.length()),
              "duration_ms",
              EventTimes.millisSince(started)));
      return out;
    } catch (RuntimeException e) {
      events.record(EventTimes.failure(hostId, name, e, started));
      throw e;
    }
  }

  /**
   * The boot event recorder: every step of every boot, for the timeline, live streams and metrics.
   */
  public BootEvents events() {
    return events;
  }

  // ---- registration and install state ----

  /**
   * Creates an unknown host in group {@code default} with the given machine facts (manufacturer,
   * product, serial, asset, hostname; empty values dropped; see {@link Facts} for what a fact may
   * hold) and {@code registered_by}, which tells an operator that the facts came from an
   * unauthenticated request. Create-only: a known id is refused, so a machine cannot change a
   * record an operator may already have edited; a squatted id is deleted by the operator, and the
   * machine registers again at its next boot.
   *
   * @param hostId a UUID in any case; the host is stored under its lowercase form
   * @throws io.bergenholm.api.AlreadyExistsException if the host is known
   * @throws BadInputException if the id is not a UUID or a fact is not allowed, naming it
   */
  public Versioned<Params> register(String hostId, Map<String, String> facts) {
    String id = HostIds.requireUuid(hostId);
    Map<String, Object> params = new LinkedHashMap<>();
    params.put(Params.GROUPS, List.of(DEFAULT_GROUP));
    params.putAll(Facts.check(facts));
    params.put(Facts.REGISTERED_BY, Facts.SELF_REGISTRATION);
    Versioned<Params> created = store.hosts().create(id, Params.of(params));
    log.info("registered host {} (unauthenticated self-registration)", id);
    events.record(BootEvent.KIND_HOST_REGISTERED, id, BootEvent.OK, EventTimes.strings(params));
    return created;
  }

  /**
   * The host id a boot-side request names: a UUID (lowercased), or the name of a host that exists
   * (such as the compatible fixture's {@code samplehost}). An unknown name is not found (an unknown
   * machine is named by its UUID, and resolves through the {@code register} host); an id that is
   * not a valid name at all (control characters, invalid UTF-8) is bad input.
   *
   * @throws NotFoundException for an unknown host that is not named by a UUID
   * @throws BadInputException naming the id
   */
  public String bootHostId(String id) {
    Optional<String> uuid = HostIds.canonicalUuid(id);
    if (uuid.isPresent()) {
      return uuid.get();
    }
    if (RecordNames.isValid(id) && id.indexOf('\uFFFD') < 0) {
      if (store.hosts().get(id).isPresent()) {
        return id;
      }
      throw new NotFoundException(RecordKind.HOST, id);
    }
    return HostIds.requireUuid(id);
  }

  /**
   * The host id of a rendered-template read ({@code /api/1.0/templates/<name>/<id>}), which serves
   * installers and operators' previews alike: a UUID (lowercased), or any valid record name (an
   * unknown one resolves through {@code register}, as in the Python project). An id that is not a
   * valid name (control characters, a slash, invalid UTF-8) is refused.
   *
   * @throws BadInputException naming the id
   */
  public String renderHostId(String id) {
    Optional<String> uuid = HostIds.canonicalUuid(id);
    if (uuid.isPresent()) {
      return uuid.get();
    }
    if (RecordNames.isValid(id) && id.indexOf('\uFFFD') < 0) {
      return id;
    }
    return HostIds.requireUuid(id);
  }

  /**
   * Adds ({@code true}) or removes group {@code installed} in the host's own groups, atomically. A
   * mark that adds the group also records its time in the host's {@value #INSTALLED_AT} (ISO-8601,
   * UTC, seconds), which retires every boot credential of the host issued before it, in every
   * replica sharing the store ({@link #checkBootCredential}); a mark of a host marked already
   * changes nothing, and an unmark leaves the time.
   */
  public Versioned<Params> markInstalled(String hostId, boolean installed) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Versioned<Params> result =
        store
            .hosts()
            .update(
                hostId,
                host -> {
                  List<String> groups = new ArrayList<>(host.groups());
                  if (installed) {
                    if (groups.contains(INSTALLED)) {
                      // Marked already: the time of that mark stands (one written by an older
                      // version, or by hand without a time, gets one now).
                      return host.get(INSTALLED_AT).isPresent()
                          ? host
                          : host.with(INSTALLED_AT, now);
                    }
                    groups.add(INSTALLED);
                    return host.with(Params.GROUPS, groups).with(INSTALLED_AT, now);
                  } else if (!groups.removeIf(INSTALLED::equals)) {
                    return host;
                  }
                  return host.with(Params.GROUPS, groups);
                });
    log.info("host {} marked {}", hostId, installed ? "installed" : "not installed");
    events.record(
        installed ? BootEvent.KIND_HOST_INSTALLED : BootEvent.KIND_HOST_UNINSTALLED,
        hostId,
        BootEvent.OK,
        Map.of());
    return result;
  }

  /**
   * Whether {@code token}, presented from {@code from}, is a boot credential of host {@code hostId}
   * that is still good: {@link BootCredentials#check}, with a credential issued before the host's
   * last installed mark ({@value #INSTALLED_AT} in its own record) spent, whichever replica took
   * the mark.
   */
  public BootCredentials.Verdict checkBootCredential(
      String hostId, String token, InetAddress from) {
    return bootCredentials.check(
        hostId,
        token,
        from,
        () ->
            RecordNames.isValid(hostId)
                ? store
                    .hosts()
                    .get(hostId)
                    .flatMap(h -> h.value().get(INSTALLED_AT))
                    .flatMap(v -> installedAt(hostId, v))
                : Optional.empty());
  }

  private static Optional<Instant> installedAt(String hostId, Object value) {
    try {
      return Optional.of(Instant.parse(String.valueOf(value)));
    } catch (java.time.format.DateTimeParseException e) {
      log.warn(
          "host {}: '{}' is not an ISO-8601 instant ({}); ignored when checking boot credentials",
          hostId,
          INSTALLED_AT,
          value);
      return Optional.empty();
    }
  }

  // ---- images ----

  /**
   * The image a host's route names: {@code kind} is {@code kernel}, {@code module} or {@code
   * initrd} (an alias of module); {@code index} picks {@code moduleN}.
   *
   * <p>Precisely: {@code kernel} (no index) reads parameter {@code kernel}. {@code module} or
   * {@code initrd} without an index, or with index 0, reads {@code module0} if the host has it and
   * {@code module} otherwise (as the Python project did); with index N ≥ 1 it reads {@code moduleN}
   * only. {@code proxy_url} and {@code <parameter>_sha256} come with it when set.
   *
   * @throws io.bergenholm.api.NotFoundException if the host has no such parameter
   * @throws BadInputException for an unknown kind, a kernel index, or a parameter that is not a URL
   */
  public ImageTarget imageTarget(String hostId, String kind, OptionalInt index) {
    Params p = resolveHost(hostId).params();
    String parameter;
    switch (kind) {
      case "kernel" -> {
        if (index.isPresent()) {
          throw new BadInputException(
              "host '" + hostId + "': a kernel has no index (asked for " + index.getAsInt() + ")");
        }
        parameter = "kernel";
      }
      case "module", "initrd" -> {
        int n = index.orElse(0);
        if (n < 0) {
          throw new BadInputException(
              "host '" + hostId + "': module index must not be negative, found " + n);
        }
        if (n == 0) {
          parameter = p.contains("module0") ? "module0" : "module";
        } else {
          parameter = "module" + n;
        }
      }
      default ->
          throw new BadInputException(
              "unknown image kind '" + kind + "': expected kernel, module or initrd");
    }
    Object url = p.get(parameter).orElse(null);
    if (url == null || (url instanceof String s && s.isBlank())) {
      throw new NotFoundException("parameter '" + parameter + "' of host", hostId);
    }
    URI uri = uri(hostId, parameter, url);
    Optional<URI> proxy =
        p.string("proxy_url").filter(s -> !s.isBlank()).map(s -> uri(hostId, "proxy_url", s));
    Optional<String> sha = Optional.empty();
    Object digest = p.get(parameter + "_sha256").orElse(null);
    if (digest != null && !(digest instanceof String d && d.isBlank())) {
      String d = String.valueOf(digest).trim().toLowerCase(Locale.ROOT);
      if (!SHA256.matcher(d).matches()) {
        throw new BadInputException(
            "host '"
                + hostId
                + "': parameter '"
                + parameter
                + "_sha256' must be 64 hexadecimal digits");
      }
      sha = Optional.of(d);
    }
    return new ImageTarget(parameter, uri, proxy, sha);
  }

  private static URI uri(String hostId, String parameter, Object value) {
    if (!(value instanceof String s)) {
      throw new BadInputException(
          "host '" + hostId + "': parameter '" + parameter + "' must be a URL string");
    }
    try {
      URI uri = new URI(s.trim());
      if (uri.getScheme() == null) {
        throw new URISyntaxException(s, "no scheme");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new BadInputException(
          "host '" + hostId + "': parameter '" + parameter + "' is not a URL: " + e.getReason());
    }
  }

  /**
   * The image source for a URL scheme, created from {@code image.<provider>.} settings on first
   * use. Which provider owns a scheme was settled when the engine was built (a scheme claimed twice
   * is an error unless {@code plugins.prefer.scheme.<scheme>} names a provider class).
   */
  public Optional<ImageSource> imageSource(String scheme) {
    ImageSourceProvider p = imageSchemes.get(scheme.toLowerCase(Locale.ROOT));
    if (p == null) {
      return Optional.empty();
    }
    return Optional.of(
        imageSources.computeIfAbsent(
            p.name(), n -> p.create(n, Plugins.section(config, "image." + n + "."), context)));
  }

  // ---- power ----

  /**
   * @throws io.bergenholm.api.BadInputException if the host has no {@code power_driver}
   */
  public PowerState powerStatus(String hostId) {
    PowerTarget target = powerTarget(hostId);
    return driverFor(target).status(target);
  }

  /**
   * Performs a power action. {@code on} first asks for a network boot at the next start, as the
   * Python project's {@code on} did, so that a machine switched on boots into Bergenholm (which
   * then decides between install, registration and local boot); a host whose {@value
   * #POWER_ON_NETWORK_BOOT} is false is only switched on.
   */
  public void power(String hostId, PowerAction action) {
    power(hostId, action, "api");
  }

  /**
   * A power action on behalf of {@code who} (a token's label, a tool's name), recorded as an event.
   */
  public void power(String hostId, PowerAction action, String who) {
    PowerTarget target = powerTarget(hostId);
    log.info("power {} host {} by {}", action.wireName(), hostId, who);
    String driverName = target.optional("power_driver").orElse("");
    try {
      PowerDriver driver = driverFor(target);
      if (action == PowerAction.ON && networkBootOnPowerOn(target)) {
        log.info("power {} host {}", PowerAction.NETWORK_BOOT_NEXT.wireName(), hostId);
        driver.perform(target, PowerAction.NETWORK_BOOT_NEXT);
      }
      driver.perform(target, action);
      events.record(
          BootEvent.KIND_POWER,
          hostId,
          BootEvent.OK,
          Map.of("action", action.wireName(), "driver", driverName, "by", who));
    } catch (RuntimeException e) {
      events.record(
          BootEvent.KIND_POWER,
          hostId,
          BootEvent.ERROR,
          Map.of(
              "action",
              action.wireName(),
              "driver",
              driverName,
              "by",
              who,
              "error",
              String.valueOf(e.getMessage())));
      throw e;
    }
  }

  /**
   * Host parameter: whether {@code on} sets network boot for the next start first (default true).
   */
  public static final String POWER_ON_NETWORK_BOOT = "power_on_network_boot";

  private static boolean networkBootOnPowerOn(PowerTarget target) {
    Object v = target.params().get(POWER_ON_NETWORK_BOOT).orElse(true);
    if (v instanceof Boolean b) {
      return b;
    }
    return switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1", "" -> true;
      case "false", "no", "off", "0" -> false;
      default ->
          throw new BadInputException(
              "host '"
                  + target.hostId()
                  + "': parameter '"
                  + POWER_ON_NETWORK_BOOT
                  + "' must be true or false, found '"
                  + v
                  + "'");
    };
  }

  // ---- provisioning (reinstall) ----

  /**
   * Setting: how many hosts of one power driver a rack provision works on at a time (default 8).
   */
  public static final String PROVISION_PARALLELISM = "provision.parallelism_per_driver";

  /**
   * Reinstalls a host: sets its groups (if given) and clears {@code installed}, asks for a network
   * boot at the next start, then resets it if it is on or switches it on if not. Never throws for a
   * failure of one of these steps: the outcome says which steps took effect and which failed.
   */
  public ProvisionOutcome provision(String hostId, ProvisionRequest request) {
    RecordNames.check(RecordKind.HOST, hostId);
    ProvisionOutcome outcome = provisioning().one(hostId, request);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("done", String.join(",", outcome.done()));
    outcome.groups().ifPresent(g -> attributes.put("groups", String.join(",", g)));
    outcome.failedStep().ifPresent(step -> attributes.put("failed_step", step));
    outcome.error().ifPresent(error -> attributes.put("error", error));
    events.record(
        BootEvent.KIND_PROVISION,
        hostId,
        outcome.ok() ? BootEvent.OK : BootEvent.ERROR,
        attributes);
    return outcome;
  }

  /**
   * Reinstalls many hosts (a rack) as {@link #provision(String, ProvisionRequest)} does each, with
   * at most {@value #PROVISION_PARALLELISM} hosts of one power driver at a time. One host's failure
   * never stops the others; the answer has one outcome per distinct id, in the order given.
   */
  public List<ProvisionOutcome> provision(List<String> hostIds, Optional<List<String>> groups) {
    ProvisionRequest request = new ProvisionRequest(groups, Optional.empty());
    return provisioning().rack(hostIds, id -> provision(id, request));
  }

  private Provisioning provisioning() {
    return new Provisioning(
        new Provisioning.Machines() {
          @Override
          public ParameterStore store() {
            return store;
          }

          @Override
          public PowerState status(String hostId) {
            return powerStatus(hostId);
          }

          @Override
          public void perform(String hostId, PowerAction action) {
            PowerTarget target = powerTarget(hostId);
            String driverName = target.optional("power_driver").orElse("");
            log.info("power {} host {} by provision", action.wireName(), hostId);
            try {
              driverFor(target).perform(target, action);
              events.record(
                  BootEvent.KIND_POWER,
                  hostId,
                  BootEvent.OK,
                  Map.of("action", action.wireName(), "driver", driverName, "by", "provision"));
            } catch (RuntimeException e) {
              events.record(
                  BootEvent.KIND_POWER,
                  hostId,
                  BootEvent.ERROR,
                  Map.of(
                      "action",
                      action.wireName(),
                      "driver",
                      driverName,
                      "by",
                      "provision",
                      "error",
                      String.valueOf(e.getMessage())));
              throw e;
            }
          }

          @Override
          public String driverName(String hostId) {
            RecordNames.check(RecordKind.HOST, hostId);
            return powerTarget(hostId).optional("power_driver").orElse("");
          }
        },
        intSetting(PROVISION_PARALLELISM, 8));
  }

  private PowerTarget powerTarget(String hostId) {
    Resolution r = resolveHost(hostId);
    if (!r.known()) {
      throw new NotFoundException(RecordKind.HOST, hostId);
    }
    return new PowerTarget(hostId, r.params());
  }

  private PowerDriver driverFor(PowerTarget target) {
    String name =
        target
            .optional("power_driver")
            .filter(s -> !s.isBlank())
            .orElseThrow(
                () ->
                    new BadInputException(
                        "host '"
                            + target.hostId()
                            + "' has no 'power_driver' parameter; available drivers: "
                            + powerProviders.names()));
    PowerDriverProvider provider;
    try {
      provider = powerProviders.get(name);
    } catch (BadInputException e) {
      throw new BadInputException("host '" + target.hostId() + "': " + e.getMessage(), e);
    }
    return powerDrivers.computeIfAbsent(
        name, n -> provider.create(n, Plugins.section(config, "power." + n + "."), context));
  }

  // ---- secrets ----

  /**
   * Whether a parameter holds a secret: its name ends in {@code _password}, or a loaded provider
   * declares it secret.
   */
  public boolean isSecretParameter(String key) {
    return Secrets.isPasswordName(key) || secretParameters.contains(key);
  }

  /** What management reads may show of parameters (see {@link SecretPolicy}). */
  public SecretPolicy secrets() {
    return secretPolicy;
  }

  /** Names of secret parameters declared by loaded providers (beside every {@code *_password}). */
  public Set<String> secretParameters() {
    return secretParameters;
  }

  /** The per-host boot credentials (the computed {@value BootCredentials#PARAMETER} parameter). */
  public BootCredentials bootCredentials() {
    return bootCredentials;
  }

  /** The store this engine uses. */
  public ParameterStore store() {
    return store;
  }

  /** The renderer this engine uses. */
  public TemplateRenderer renderer() {
    return renderer;
  }

  /**
   * A store location as it may be shown or logged: a password in it ({@code mongodb://user:pw@…})
   * is masked.
   */
  public static String maskedLocation(String location) {
    return Secrets.maskLocation(location);
  }

  @Override
  public void close() {
    workers.close();
    events.close();
    for (Map.Entry<String, PowerDriver> e : powerDrivers.entrySet()) {
      try {
        e.getValue().close();
      } catch (RuntimeException ex) {
        log.warn("closing power driver {} failed", e.getKey(), ex);
      }
    }
    powerDrivers.clear();
    if (ownsStore) {
      store.close();
    }
    context.close();
    if (pluginFolder != null) {
      pluginFolder.close();
    }
  }

  private int intSetting(String key, int defaultValue) {
    String v = config.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(v.trim());
      if (parsed < 1) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "setting '" + key + "' must be a positive integer, found '" + v + "'");
    }
  }

  private boolean booleanSetting(String key, boolean defaultValue) {
    String v = config.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default ->
          throw new BadInputException(
              "setting '" + key + "' must be true or false, found '" + v + "'");
    };
  }
}
