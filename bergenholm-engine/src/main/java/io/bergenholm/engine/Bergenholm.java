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
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.api.render.RendererProvider;
import io.bergenholm.api.render.TemplateRenderer;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import io.bergenholm.engine.plugin.PluginFolder;
import io.bergenholm.engine.render.JinjavaRenderer;
import io.bergenholm.engine.render.JinjavaRendererProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
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
 *       renderer.} go to it (for Jinjava: {@code renderer.strict}, {@code renderer.max_output_chars},
 *       {@code renderer.max_nodes}, {@code renderer.timeout_ms}, {@code renderer.range_limit},
 *       {@code renderer.max_depth}, {@code renderer.max_collection_size}).
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

  /** The group that {@link #markInstalled} adds and removes. */
  public static final String INSTALLED = "installed";
  /** The group new hosts join at {@link #register}. */
  public static final String DEFAULT_GROUP = "default";
  /** The machine facts {@link #register} keeps, in this order. */
  public static final List<String> REGISTER_FACTS =
      List.of("manufacturer", "product", "serial", "asset", "hostname");

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
  private final EngineContext context;
  private final PluginFolder pluginFolder;
  private final Cache<String, Stamped<Resolution>> resolved;
  private final Cache<RenderKey, Stamped<String>> rendered;

  private record Stamped<T>(long stamp, T value) {}

  private record RenderKey(String template, String hostId) {}

  private Bergenholm(Builder b, List<ClassLoader> loaders, ParameterStore store, boolean ownsStore,
      EngineContext context, EngineSecrets secretsPolicy, PluginFolder pluginFolder) {
    this.config = Map.copyOf(b.config);
    this.store = store;
    this.ownsStore = ownsStore;
    this.context = context;
    this.pluginFolder = pluginFolder;
    context.attach(store);
    this.powerProviders = Plugins.load("power", "power driver", PowerDriverProvider.class, loaders, b.powerProviders,
        config);
    this.imageProviders = Plugins.load("image", "image source", ImageSourceProvider.class, loaders, b.imageProviders,
        config);
    this.imageSchemes = Plugins.claims("image source", imageProviders.all(), b.imageProviders,
        ImageSourceProvider::schemes, Plugins.PREFER + "scheme.", config);
    Set<String> secrets = new HashSet<>();
    for (PowerDriverProvider p : powerProviders.all()) {
      secrets.addAll(p.secretParameters());
    }
    this.secretParameters = Set.copyOf(secrets);
    secretParameters.forEach(secretsPolicy::declare);

    TemplateRenderer r;
    String rendererName = config.getOrDefault(RENDERER, JinjavaRendererProvider.NAME);
    if (b.renderer != null) {
      r = b.renderer;
    } else {
      Plugins<RendererProvider> renderers = Plugins.load("renderer", "renderer", RendererProvider.class, loaders,
          List.of(), config);
      RendererProvider provider = renderers.get(rendererName);
      declareSecrets(secretsPolicy, RENDERER + ".", provider);
      r = Objects.requireNonNull(provider.create(rendererName, Plugins.section(config, RENDERER + "."), context),
          "renderer provider returned null");
    }
    // Parameters are mostly plain {{ name }} substitutions; for Jinjava's output those have a fast path.
    SimpleTemplates simple = r instanceof JinjavaRenderer jr
        ? new SimpleTemplates(jr.limits().maxOutputChars(), 100_000) : null;
    this.renderer = r;
    for (PowerDriverProvider p : powerProviders.all()) {
      declareSecrets(secretsPolicy, "power." + p.name() + ".", p);
    }
    for (ImageSourceProvider p : imageProviders.all()) {
      declareSecrets(secretsPolicy, "image." + p.name() + ".", p);
    }

    this.inheritance = new Inheritance(store);
    this.expansion = new Expansion(renderer, simple, intSetting(MAX_PASSES, 32), intSetting(MAX_VALUE_CHARS, 256 * 1024));
    boolean cache = booleanSetting(CACHE_ENABLED, true);
    this.resolved = CacheBuilder.newBuilder().maximumSize(cache ? intSetting(CACHE_MAX_HOSTS, 20_000) : 0).build();
    this.rendered = CacheBuilder.newBuilder().maximumSize(cache ? intSetting(CACHE_MAX_RENDERS, 20_000) : 0).build();
    log.info("engine ready: store {}, renderer {}, power drivers [{}], image sources [{}], settings {}",
        ownsStore ? Secrets.maskLocation(config.get(STORE)) : store.getClass().getSimpleName(),
        b.renderer != null ? renderer.getClass().getSimpleName() : rendererName,
        powerProviders.names(), imageProviders.names(), maskedConfig(secretsPolicy));
  }

  private static void declareSecrets(EngineSecrets policy, String prefix, Provider<?> provider) {
    for (String k : provider.secretConfigKeys()) {
      policy.declare(k);
      policy.declare(prefix + k);
    }
  }

  private Map<String, String> maskedConfig(EngineSecrets policy) {
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
    private final List<StoreProvider> storeProviders = new ArrayList<>();
    private final List<PowerDriverProvider> powerProviders = new ArrayList<>();
    private final List<ImageSourceProvider> imageProviders = new ArrayList<>();

    private Builder() {}

    /** Settings as a plain map (see the class comment for keys; {@code store} picks the store). Adds to earlier settings. */
    public Builder config(Map<String, String> config) {
      config.forEach(this::setting);
      return this;
    }

    /** One setting. */
    public Builder setting(String key, String value) {
      this.config.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
      return this;
    }

    /** Uses this store instead of one chosen by {@code store=} in the config; the caller closes it. */
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

    /** Offers a store provider beside those found on the class path; it wins a name clash. */
    public Builder addStoreProvider(StoreProvider provider) {
      storeProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /** Offers a power driver provider beside those found on the class path; it wins a name clash. */
    public Builder addPowerDriver(PowerDriverProvider provider) {
      powerProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /** Offers an image source provider beside those found on the class path; it wins a name clash. */
    public Builder addImageSource(ImageSourceProvider provider) {
      imageProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    public Bergenholm build() {
      ClassLoader own = loader != null ? loader : Bergenholm.class.getClassLoader();
      PluginFolder folder = pluginFolder == null ? null : PluginFolder.open(pluginFolder, Bergenholm.class.getClassLoader());
      List<ClassLoader> loaders = new ArrayList<>();
      loaders.add(own);
      if (folder != null) {
        loaders.addAll(folder.classLoaders());
      }
      EngineSecrets secrets = new EngineSecrets();
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

    private ParameterStore openStore(List<ClassLoader> plugins, EngineContext context, EngineSecrets secrets) {
      String location = config.get(STORE);
      if (location == null || location.isBlank()) {
        throw new BadInputException("no store configured: set '" + STORE
            + "' (for example file:/var/lib/bergenholm or memory:) or hand one to the builder");
      }
      int colon = location.indexOf(':');
      String scheme = (colon < 0 ? location : location.substring(0, colon)).toLowerCase(Locale.ROOT);
      StoreProvider provider = Plugins.load("store", "store", StoreProvider.class, plugins, storeProviders, config)
          .get(scheme);
      Map<String, String> storeConfig = new LinkedHashMap<>(Plugins.section(config, STORE + "."));
      storeConfig.put(StoreProvider.LOCATION, location);
      declareSecrets(secrets, STORE + ".", provider);
      return Objects.requireNonNull(provider.create(scheme, storeConfig, context), "store provider returned null");
    }
  }

  // ---- hosts (stored parameters) ----

  /** Host ids whose stored parameters match every criterion exactly (empty map: all hosts), sorted. */
  public List<String> listHosts(Map<String, String> criteria) {
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

  /** Inherited and expanded parameters; an unknown id resolves through the {@code register} host. */
  public Resolution resolveHost(String id) {
    RecordNames.check(RecordKind.HOST, id);
    // The stamp is read before the store is, so a write racing this call leaves a stale stamp on
    // the entry and the next call computes again.
    long stamp = store.changeStamp();
    Stamped<Resolution> hit = resolved.getIfPresent(id);
    if (hit != null && hit.stamp() == stamp) {
      return hit.value();
    }
    Inheritance.Merged merged = inheritance.host(id);
    Resolution resolution = new Resolution(id, merged.known(), Params.of(expansion.expand(merged, null)));
    resolved.put(id, new Stamped<>(stamp, resolution));
    return resolution;
  }

  /** For every resolved key of a host: which record supplied it, raw and expanded. */
  public Map<String, Provenance> explainHost(String id) {
    RecordNames.check(RecordKind.HOST, id);
    Inheritance.Merged merged = inheritance.host(id);
    Map<String, String> origins = new HashMap<>();
    Map<String, Object> expanded = expansion.expand(merged, origins);
    Map<String, Provenance> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : expanded.entrySet()) {
      String from = origins.getOrDefault(e.getKey(), e.getKey());
      out.put(e.getKey(), new Provenance(merged.sources().getOrDefault(from, Inheritance.COMPUTED),
          merged.raw().get(from), e.getValue()));
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
    if (hit != null && hit.stamp() == stamp) {
      return hit.value();
    }
    String text = store.templates().get(name).map(Versioned::value)
        .orElseThrow(() -> new NotFoundException(RecordKind.TEMPLATE, name));
    String out = renderer.render(name, text, resolveHost(hostId).params().asMap());
    rendered.put(key, new Stamped<>(stamp, out));
    return out;
  }

  /** The iPXE script of a host: the template its {@code ipxe_script} names, rendered for it. */
  public String ipxeScript(String hostId) {
    Resolution r = resolveHost(hostId);
    Object script = r.params().get("ipxe_script").orElse(null);
    String who = r.known() ? "host '" + hostId + "'" : "host '" + hostId + "' (unknown, resolved through 'register')";
    if (script == null) {
      throw new NotFoundException("'ipxe_script' parameter of " + (r.known() ? "host" : "unknown host"), hostId);
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

  // ---- registration and install state ----

  /**
   * Creates an unknown host in group {@code default} with the given machine facts
   * (manufacturer, product, serial, asset, hostname; empty values dropped).
   *
   * @throws io.bergenholm.api.AlreadyExistsException if the host is known
   */
  public Versioned<Params> register(String hostId, Map<String, String> facts) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put(Params.GROUPS, List.of(DEFAULT_GROUP));
    for (String fact : REGISTER_FACTS) {
      String v = facts.get(fact);
      if (v != null && !v.isBlank()) {
        params.put(fact, v);
      }
    }
    Versioned<Params> created = store.hosts().create(hostId, Params.of(params));
    log.info("registered host {}", hostId);
    return created;
  }

  /** Adds ({@code true}) or removes group {@code installed} in the host's own groups, atomically. */
  public Versioned<Params> markInstalled(String hostId, boolean installed) {
    Versioned<Params> result = store.hosts().update(hostId, host -> {
      List<String> groups = new ArrayList<>(host.groups());
      if (installed) {
        if (groups.contains(INSTALLED)) {
          return host;
        }
        groups.add(INSTALLED);
      } else if (!groups.removeIf(INSTALLED::equals)) {
        return host;
      }
      return host.with(Params.GROUPS, groups);
    });
    log.info("host {} marked {}", hostId, installed ? "installed" : "not installed");
    return result;
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
          throw new BadInputException("host '" + hostId + "': a kernel has no index (asked for " + index.getAsInt() + ")");
        }
        parameter = "kernel";
      }
      case "module", "initrd" -> {
        int n = index.orElse(0);
        if (n < 0) {
          throw new BadInputException("host '" + hostId + "': module index must not be negative, found " + n);
        }
        if (n == 0) {
          parameter = p.contains("module0") ? "module0" : "module";
        } else {
          parameter = "module" + n;
        }
      }
      default -> throw new BadInputException("unknown image kind '" + kind + "': expected kernel, module or initrd");
    }
    Object url = p.get(parameter).orElse(null);
    if (url == null || (url instanceof String s && s.isBlank())) {
      throw new NotFoundException("parameter '" + parameter + "' of host", hostId);
    }
    URI uri = uri(hostId, parameter, url);
    Optional<URI> proxy = p.string("proxy_url").filter(s -> !s.isBlank()).map(s -> uri(hostId, "proxy_url", s));
    Optional<String> sha = Optional.empty();
    Object digest = p.get(parameter + "_sha256").orElse(null);
    if (digest != null && !(digest instanceof String d && d.isBlank())) {
      String d = String.valueOf(digest).trim().toLowerCase(Locale.ROOT);
      if (!SHA256.matcher(d).matches()) {
        throw new BadInputException("host '" + hostId + "': parameter '" + parameter
            + "_sha256' must be 64 hexadecimal digits");
      }
      sha = Optional.of(d);
    }
    return new ImageTarget(parameter, uri, proxy, sha);
  }

  private static URI uri(String hostId, String parameter, Object value) {
    if (!(value instanceof String s)) {
      throw new BadInputException("host '" + hostId + "': parameter '" + parameter + "' must be a URL string");
    }
    try {
      URI uri = new URI(s.trim());
      if (uri.getScheme() == null) {
        throw new URISyntaxException(s, "no scheme");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new BadInputException("host '" + hostId + "': parameter '" + parameter + "' is not a URL: "
          + e.getReason());
    }
  }

  /**
   * The image source for a URL scheme, created from {@code image.<provider>.} settings on first use.
   * Which provider owns a scheme was settled when the engine was built (a scheme claimed twice is
   * an error unless {@code plugins.prefer.scheme.<scheme>} names a provider class).
   */
  public Optional<ImageSource> imageSource(String scheme) {
    ImageSourceProvider p = imageSchemes.get(scheme.toLowerCase(Locale.ROOT));
    if (p == null) {
      return Optional.empty();
    }
    return Optional.of(imageSources.computeIfAbsent(p.name(),
        n -> p.create(n, Plugins.section(config, "image." + n + "."), context)));
  }

  // ---- power ----

  /** @throws io.bergenholm.api.BadInputException if the host has no {@code power_driver} */
  public PowerState powerStatus(String hostId) {
    PowerTarget target = powerTarget(hostId);
    return driverFor(target).status(target);
  }

  public void power(String hostId, PowerAction action) {
    PowerTarget target = powerTarget(hostId);
    log.info("power {} host {}", action.wireName(), hostId);
    driverFor(target).perform(target, action);
  }

  private PowerTarget powerTarget(String hostId) {
    Resolution r = resolveHost(hostId);
    if (!r.known()) {
      throw new NotFoundException(RecordKind.HOST, hostId);
    }
    return new PowerTarget(hostId, r.params());
  }

  private PowerDriver driverFor(PowerTarget target) {
    String name = target.optional("power_driver").filter(s -> !s.isBlank()).orElseThrow(() ->
        new BadInputException("host '" + target.hostId() + "' has no 'power_driver' parameter; available drivers: "
            + powerProviders.names()));
    PowerDriverProvider provider;
    try {
      provider = powerProviders.get(name);
    } catch (BadInputException e) {
      throw new BadInputException("host '" + target.hostId() + "': " + e.getMessage(), e);
    }
    return powerDrivers.computeIfAbsent(name, n -> provider.create(n, Plugins.section(config, "power." + n + "."),
        context));
  }

  // ---- secrets ----

  /**
   * Whether a parameter holds a secret: its name ends in {@code _password}, or a loaded provider
   * declares it secret.
   */
  public boolean isSecretParameter(String key) {
    return Secrets.isPasswordName(key) || secretParameters.contains(key);
  }

  /** Names of secret parameters declared by loaded providers (beside every {@code *_password}). */
  public Set<String> secretParameters() {
    return secretParameters;
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
      throw new BadInputException("setting '" + key + "' must be a positive integer, found '" + v + "'");
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
      default -> throw new BadInputException("setting '" + key + "' must be true or false, found '" + v + "'");
    };
  }
}
