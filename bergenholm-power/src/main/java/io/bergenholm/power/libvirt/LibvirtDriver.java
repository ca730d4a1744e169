package io.bergenholm.power.libvirt;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives libvirt domains through libvirt-java.
 *
 * <p>Connections are kept open per URI and shared by all calls (libvirt connections are
 * thread-safe); one that fails at the connection level is closed and reopened by the next call, and
 * {@link #close()} closes them all. Keeping them open also matters for {@code test:///file} URIs,
 * whose state lives as long as the connection.
 *
 * <p>Semantics, chosen to match what a BMC does with a physical machine:
 *
 * <ul>
 *   <li>{@code on} starts the domain; a running domain is left alone.
 *   <li>{@code off} destroys (hard power-off) the domain; a stopped one is left alone.
 *   <li>{@code reset} hard-resets a running domain and starts a stopped one. When a network boot is
 *       pending, a running domain is destroyed and started instead, because a reset keeps the boot
 *       order the domain was started with.
 *   <li>{@code network_boot_next} rewrites the persistent definition to boot from the network first
 *       and saves the original order in the definition's metadata (see {@link BootOrder}). The next
 *       start through this driver ({@code on} or {@code reset}) boots from the network and then
 *       puts the original order back into the persistent definition, so the start after that boots
 *       as before. A domain started by other means keeps network first until then.
 * </ul>
 */
final class LibvirtDriver implements PowerDriver {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  /** virDomainXMLFlags VIR_DOMAIN_XML_INACTIVE: the persistent definition, not the live one. */
  private static final int XML_INACTIVE = 2;

  /**
   * libvirt prints every error on standard error unless a handler is set; this driver reports them
   * itself (as exceptions with libvirt's message), so the handler does nothing. Held in a static
   * field because JNA must keep the callback reachable for as long as libvirt may call it.
   */
  private static final ErrorCallback QUIET = new ErrorCallback();

  private final Optional<String> defaultUrl;
  private final ConcurrentMap<String, Connect> connections = new ConcurrentHashMap<>();

  LibvirtDriver(Optional<String> defaultUrl) {
    this.defaultUrl = defaultUrl;
    try {
      Connect.setErrorCallback(QUIET);
    } catch (LibvirtException e) {
      log.warn("libvirt: cannot silence its own error printing: {}", e.getError().getMessage());
    }
  }

  @Override
  public PowerState status(PowerTarget target) {
    return call(target, "status", (domain, name) -> stateOf(domain.getInfo().state));
  }

  @Override
  public void perform(PowerTarget target, PowerAction action) {
    call(
        target,
        action.wireName(),
        (domain, name) -> {
          switch (action) {
            case ON -> {
              if (domain.isActive() == 0) {
                start(domain);
              }
            }
            case OFF -> {
              if (domain.isActive() != 0) {
                domain.destroy();
              }
            }
            case RESET -> {
              if (domain.isActive() == 0) {
                start(domain);
              } else if (domain.isPersistent() != 0
                  && BootOrder.pending(domain.getXMLDesc(XML_INACTIVE))) {
                domain.destroy();
                start(domain);
              } else {
                domain.reset();
              }
            }
            case NETWORK_BOOT_NEXT -> {
              if (domain.isPersistent() == 0) {
                throw new BadInputException(
                    "host '"
                        + target.hostId()
                        + "': libvirt domain '"
                        + name
                        + "' is transient; only a defined (persistent) domain can change its boot order");
              }
              String rewritten;
              try {
                rewritten = BootOrder.networkFirst(domain.getXMLDesc(XML_INACTIVE));
              } catch (IllegalArgumentException e) {
                throw new BadInputException(
                    "host '"
                        + target.hostId()
                        + "': libvirt domain '"
                        + name
                        + "': "
                        + e.getMessage());
              }
              domain.getConnect().domainDefineXML(rewritten).free();
            }
          }
          log.info("libvirt: host {} domain {}: {} done", target.hostId(), name, action.wireName());
          return null;
        });
  }

  /** Starts a stopped domain and, if it was started for a network boot, restores its boot order. */
  private static void start(Domain domain) throws LibvirtException {
    domain.create();
    if (domain.isPersistent() != 0) {
      String xml = domain.getXMLDesc(XML_INACTIVE);
      if (BootOrder.pending(xml)) {
        domain.getConnect().domainDefineXML(BootOrder.restore(xml)).free();
      }
    }
  }

  static PowerState stateOf(DomainState state) {
    return switch (state) {
      case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_PAUSED -> PowerState.ON;
      case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_CRASHED -> PowerState.OFF;
      default -> PowerState.UNKNOWN;
    };
  }

  @FunctionalInterface
  private interface DomainCall<T> {
    T apply(Domain domain, String name) throws LibvirtException;
  }

  private <T> T call(PowerTarget target, String what, DomainCall<T> body) {
    String url =
        target
            .optional("libvirt_url")
            .filter(s -> !s.isEmpty())
            .or(() -> defaultUrl)
            .orElseThrow(
                () ->
                    new BadInputException(
                        "host '"
                            + target.hostId()
                            + "': parameter 'libvirt_url' is required by its power driver"));
    String wanted =
        target.optional("libvirt_domain").filter(s -> !s.isEmpty()).orElse(target.hostId());
    Connect connect;
    try {
      connect = connection(url);
    } catch (UpstreamException e) {
      throw new UpstreamException(
          "host '" + target.hostId() + "': " + e.getMessage(), e.getCause());
    }
    Domain domain = null;
    try {
      domain = lookup(connect, target, wanted);
      return body.apply(domain, wanted);
    } catch (LibvirtException e) {
      if (isConnectionFailure(e)) {
        evict(url, connect);
      }
      if (domain == null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) {
        throw new NotFoundException("libvirt domain", wanted + "' at '" + url);
      }
      throw new UpstreamException(
          "host '"
              + target.hostId()
              + "': libvirt "
              + what
              + " of domain '"
              + wanted
              + "' at "
              + url
              + " failed: "
              + e.getError().getMessage(),
          e);
    } finally {
      if (domain != null) {
        try {
          domain.free();
        } catch (LibvirtException e) {
          log.warn("libvirt: cannot free domain handle {}: {}", wanted, e.getError().getMessage());
        }
      }
    }
  }

  private static Domain lookup(Connect connect, PowerTarget target, String wanted)
      throws LibvirtException {
    Optional<UUID> uuid = parseUuid(wanted);
    if (uuid.isPresent()) {
      return connect.domainLookupByUUIDString(uuid.get().toString());
    }
    if (target.optional("libvirt_domain").filter(s -> !s.isEmpty()).isEmpty()) {
      throw new BadInputException(
          "host '"
              + target.hostId()
              + "': its id is not a UUID, so parameter 'libvirt_domain' must name its libvirt domain");
    }
    return connect.domainLookupByName(wanted);
  }

  private static Optional<UUID> parseUuid(String s) {
    if (s.length() != 36) {
      return Optional.empty();
    }
    try {
      return Optional.of(UUID.fromString(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private Connect connection(String url) {
    Connect pooled = connections.get(url);
    if (pooled != null) {
      boolean alive;
      try {
        alive = pooled.isAlive(); // a local check: a remote peer that went away shows here
      } catch (LibvirtException e) {
        alive = false;
      }
      if (alive) {
        return pooled;
      }
      log.info("libvirt: the connection to {} is gone; reconnecting", url);
      evict(url, pooled);
    }
    return connections.computeIfAbsent(
        url,
        u -> {
          try {
            log.debug("libvirt: opening {}", u);
            return new Connect(u);
          } catch (LibvirtException e) {
            throw new UpstreamException(
                "libvirt: cannot connect to " + u + ": " + e.getError().getMessage(), e);
          }
        });
  }

  /** The pooled connection to {@code url}, for tests that inspect the node through it. */
  Connect connectionForTest(String url) {
    return connection(url);
  }

  private static boolean isConnectionFailure(LibvirtException e) {
    ErrorNumber code = e.getError().getCode();
    return code == ErrorNumber.VIR_ERR_RPC
        || code == ErrorNumber.VIR_ERR_SYSTEM_ERROR
        || code == ErrorNumber.VIR_ERR_NO_CONNECT
        || code == ErrorNumber.VIR_ERR_INVALID_CONN;
  }

  private void evict(String url, Connect connect) {
    if (connections.remove(url, connect)) {
      closeQuietly(url, connect);
    }
  }

  private static void closeQuietly(String url, Connect connect) {
    try {
      connect.close();
    } catch (LibvirtException e) {
      log.warn("libvirt: closing the connection to {} failed: {}", url, e.getError().getMessage());
    }
  }

  @Override
  public void close() {
    connections.forEach(
        (url, connect) -> {
          if (connections.remove(url, connect)) {
            closeQuietly(url, connect);
          }
        });
  }
}
