package io.bergenholm.engine;

import io.bergenholm.api.Params;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.store.ParameterStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The embeddable engine: everything the REST API, the iPXE endpoints and the CLI do, as plain
 * method calls. Built with {@link #builder()}; thread-safe; blocking (transports call it from an
 * executor, never from an event loop).
 *
 * <p>Errors are the {@link io.bergenholm.api.BergenholmException} subclasses, each naming the host,
 * group, key or template line.
 */
public final class Bergenholm implements AutoCloseable {
  // SKELETON: the signatures below are the contract the transports code against; the bodies are
  // being written in the engine's own change.

  public static Builder builder() {
    throw new UnsupportedOperationException("engine not built yet");
  }

  /** Builds an engine from plugins and settings. */
  public static final class Builder {
    private Builder() {}

    /** Settings as a plain map (see the engine's README section for keys; {@code store} picks the store). */
    public Builder config(Map<String, String> config) {
      throw new UnsupportedOperationException();
    }

    /** Uses this store instead of one chosen by {@code store=} in the config. */
    public Builder store(ParameterStore store) {
      throw new UnsupportedOperationException();
    }

    /** Where ServiceLoader looks for plugins (default: this class's loader). */
    public Builder pluginClassLoader(ClassLoader loader) {
      throw new UnsupportedOperationException();
    }

    public Bergenholm build() {
      throw new UnsupportedOperationException();
    }
  }

  // ---- hosts (stored parameters) ----

  /** Host ids whose stored parameters match every criterion exactly (empty map: all hosts), sorted. */
  public List<String> listHosts(Map<String, String> criteria) {
    throw new UnsupportedOperationException();
  }

  public Optional<Versioned<Params>> host(String id) {
    throw new UnsupportedOperationException();
  }

  public Versioned<Params> createHost(String id, Params params) {
    throw new UnsupportedOperationException();
  }

  public Versioned<Params> replaceHost(String id, Params params, Optional<String> ifVersion) {
    throw new UnsupportedOperationException();
  }

  public void deleteHost(String id, Optional<String> ifVersion) {
    throw new UnsupportedOperationException();
  }

  // ---- groups ----

  public List<String> listGroups() {
    throw new UnsupportedOperationException();
  }

  public Optional<Versioned<Params>> group(String name) {
    throw new UnsupportedOperationException();
  }

  public Versioned<Params> createGroup(String name, Params params) {
    throw new UnsupportedOperationException();
  }

  public Versioned<Params> replaceGroup(String name, Params params, Optional<String> ifVersion) {
    throw new UnsupportedOperationException();
  }

  public void deleteGroup(String name, Optional<String> ifVersion) {
    throw new UnsupportedOperationException();
  }

  // ---- templates ----

  public List<String> listTemplates() {
    throw new UnsupportedOperationException();
  }

  public Optional<Versioned<String>> template(String name) {
    throw new UnsupportedOperationException();
  }

  public Versioned<String> createTemplate(String name, String text) {
    throw new UnsupportedOperationException();
  }

  public Versioned<String> replaceTemplate(String name, String text, Optional<String> ifVersion) {
    throw new UnsupportedOperationException();
  }

  public void deleteTemplate(String name, Optional<String> ifVersion) {
    throw new UnsupportedOperationException();
  }

  // ---- resolution and rendering ----

  /** Inherited and expanded parameters; an unknown id resolves through the {@code register} host. */
  public Resolution resolveHost(String id) {
    throw new UnsupportedOperationException();
  }

  /** For every resolved key of a host: which record supplied it, raw and expanded. */
  public Map<String, Provenance> explainHost(String id) {
    throw new UnsupportedOperationException();
  }

  /** A group's inherited parameters, not expanded. @throws io.bergenholm.api.NotFoundException */
  public Params resolveGroup(String name) {
    throw new UnsupportedOperationException();
  }

  /** Renders template {@code name} against host {@code hostId}'s resolved parameters. */
  public String renderTemplate(String name, String hostId) {
    throw new UnsupportedOperationException();
  }

  /** The iPXE script of a host: the template its {@code ipxe_script} names, rendered for it. */
  public String ipxeScript(String hostId) {
    throw new UnsupportedOperationException();
  }

  // ---- registration and install state ----

  /**
   * Creates an unknown host in group {@code default} with the given machine facts
   * (manufacturer, product, serial, asset, hostname; empty values dropped).
   *
   * @throws io.bergenholm.api.AlreadyExistsException if the host is known
   */
  public Versioned<Params> register(String hostId, Map<String, String> facts) {
    throw new UnsupportedOperationException();
  }

  /** Adds ({@code true}) or removes group {@code installed} in the host's own groups, atomically. */
  public Versioned<Params> markInstalled(String hostId, boolean installed) {
    throw new UnsupportedOperationException();
  }

  // ---- images ----

  /**
   * The image a host's route names: {@code kind} is {@code kernel}, {@code module} or {@code
   * initrd} (an alias of module); {@code index} picks {@code moduleN}.
   *
   * @throws io.bergenholm.api.NotFoundException if the host has no such parameter
   */
  public ImageTarget imageTarget(String hostId, String kind, OptionalInt index) {
    throw new UnsupportedOperationException();
  }

  // ---- power ----

  /** @throws io.bergenholm.api.BadInputException if the host has no {@code power_driver} */
  public PowerState powerStatus(String hostId) {
    throw new UnsupportedOperationException();
  }

  public void power(String hostId, PowerAction action) {
    throw new UnsupportedOperationException();
  }

  // ---- secrets ----

  /**
   * Whether a parameter holds a secret: its name ends in {@code _password}, or a loaded provider
   * declares it secret.
   */
  public boolean isSecretParameter(String key) {
    throw new UnsupportedOperationException();
  }

  /** Names of secret parameters declared by loaded providers (beside every {@code *_password}). */
  public Set<String> secretParameters() {
    throw new UnsupportedOperationException();
  }

  /** The store this engine uses. */
  public ParameterStore store() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}
}
