package io.bergenholm.engine.image;

import io.bergenholm.api.BadInputException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where images may come from. A host's {@code kernel} or {@code module} is written by an operator,
 * but it is served to anyone who asks for the host's image, so it must not reach what only the
 * server can reach: its own loopback services, a cloud metadata service on a link-local address,
 * files on its disk.
 *
 * <ul>
 *   <li>{@value #ALLOW_SCHEMES} (default {@code http,https}): URL schemes images may use; {@code
 *       file} only when listed.
 *   <li>Every address an upstream name resolves to, and the proxy's, is checked right before the
 *       connection, and again for every redirect: never loopback ({@value #ALLOW_LOOPBACK}), never
 *       link-local ({@value #ALLOW_LINK_LOCAL}), never one of the server's own addresses ({@value
 *       #ALLOW_OWN_ADDRESSES}), never unspecified or multicast (no setting). Private ranges (RFC
 *       1918, IPv6 ULA), where LAN mirrors live, are allowed unless {@value #ALLOW_PRIVATE} is
 *       false.
 * </ul>
 *
 * <p>The HTTP client resolves names through the JVM's address cache, which holds an answer for 30
 * seconds by default ({@code networkaddress.cache.ttl}); the check resolves through the same cache
 * just before the client connects, so a name that changes its answer in between (DNS rebinding) is
 * connected to at the address that was checked.
 */
public record SourcePolicy(
    Set<String> schemes,
    boolean allowLoopback,
    boolean allowLinkLocal,
    boolean allowPrivate,
    boolean allowOwnAddresses) {
  public static final String ALLOW_SCHEMES = "images.allow_schemes";
  public static final String ALLOW_LOOPBACK = "images.allow_loopback";
  public static final String ALLOW_LINK_LOCAL = "images.allow_link_local";
  public static final String ALLOW_PRIVATE = "images.allow_private";
  public static final String ALLOW_OWN_ADDRESSES = "images.allow_own_addresses";

  /** http and https, private ranges allowed, loopback, link-local and own addresses refused. */
  public static final SourcePolicy DEFAULT =
      new SourcePolicy(Set.of("http", "https"), false, false, true, false);

  /** For tests and labs whose upstream runs on this machine: loopback and own addresses allowed. */
  public static final SourcePolicy LOCAL_UPSTREAMS =
      new SourcePolicy(Set.of("http", "https"), true, false, true, true);

  private static final long OWN_ADDRESSES_TTL_NANOS = 30_000_000_000L;
  private static volatile Set<InetAddress> ownAddresses = Set.of();
  private static volatile long ownAddressesAt;

  public SourcePolicy {
    schemes =
        schemes.stream()
            .map(s -> s.trim().toLowerCase(Locale.ROOT))
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
  }

  static SourcePolicy fromConfig(Map<String, String> config) {
    Set<String> schemes =
        config.containsKey(ALLOW_SCHEMES)
            ? Arrays.stream(config.get(ALLOW_SCHEMES).split("[,\\s]+"))
                .filter(s -> !s.isBlank())
                .collect(Collectors.toSet())
            : DEFAULT.schemes;
    return new SourcePolicy(
        schemes,
        flag(config, ALLOW_LOOPBACK, DEFAULT.allowLoopback),
        flag(config, ALLOW_LINK_LOCAL, DEFAULT.allowLinkLocal),
        flag(config, ALLOW_PRIVATE, DEFAULT.allowPrivate),
        flag(config, ALLOW_OWN_ADDRESSES, DEFAULT.allowOwnAddresses));
  }

  private static boolean flag(Map<String, String> config, String key, boolean defaultValue) {
    String v = config.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new BadInputException(key + " must be true or false, found '" + v + "'");
    };
  }

  /**
   * @throws BadInputException naming the parameter if the URL's scheme is not allowed
   */
  void checkScheme(String hostId, String parameter, URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      throw new BadInputException(
          "host "
              + hostId
              + ": "
              + parameter
              + " = "
              + Urls.redact(url)
              + " uses scheme '"
              + scheme
              + "', which is not in "
              + ALLOW_SCHEMES
              + " "
              + new TreeSet<>(schemes));
    }
  }

  /**
   * Resolves {@code url}'s host and checks every address.
   *
   * @param what names the URL in the error ({@code kernel}, {@code proxy_url}, a redirect)
   * @param mustResolve whether a name that does not resolve here is refused (false: through a
   *     proxy)
   * @throws BadInputException if an address is refused or the name does not resolve
   */
  void checkAddresses(String what, URI url, boolean mustResolve) {
    String host = url.getHost();
    if (host == null) {
      if ("file".equalsIgnoreCase(url.getScheme())) {
        return;
      }
      throw new BadInputException(what + " " + Urls.redact(url) + " names no host");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      if (!mustResolve) {
        return;
      }
      throw new BadInputException(
          what + " " + Urls.redact(url) + ": host '" + host + "' does not resolve");
    }
    for (InetAddress a : addresses) {
      String refused = refusal(a);
      if (refused != null) {
        throw new BadInputException(
            what + " " + Urls.redact(url) + " resolves to " + a.getHostAddress() + ", " + refused);
      }
    }
  }

  /** Why an address may not be fetched from, or null. */
  String refusal(InetAddress a) {
    byte[] b = a.getAddress();
    if (a.isAnyLocalAddress() || b.length == 4 && b[0] == 0) {
      return "an unspecified address (it reaches this machine)";
    }
    if (a.isMulticastAddress()) {
      return "a multicast address";
    }
    if (a.isLoopbackAddress()) {
      return allowLoopback
          ? null
          : "a loopback address (allowed only with " + ALLOW_LOOPBACK + "=true)";
    }
    if (a.isLinkLocalAddress()) {
      return allowLinkLocal
          ? null
          : "a link-local address (allowed only with " + ALLOW_LINK_LOCAL + "=true)";
    }
    if (!allowOwnAddresses && own().contains(withoutScope(a))) {
      return "one of this server's own addresses (allowed only with "
          + ALLOW_OWN_ADDRESSES
          + "=true)";
    }
    boolean isPrivate =
        a.isSiteLocalAddress() || a instanceof Inet6Address && (b[0] & 0xfe) == 0xfc;
    if (isPrivate && !allowPrivate) {
      return "a private address (" + ALLOW_PRIVATE + " is false)";
    }
    return null;
  }

  /** The addresses of this machine's interfaces, refreshed every 30 seconds. */
  private static Set<InetAddress> own() {
    long now = System.nanoTime();
    if (now - ownAddressesAt > OWN_ADDRESSES_TTL_NANOS || ownAddressesAt == 0) {
      Set<InetAddress> found = new HashSet<>();
      try {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          found.addAll(
              Collections.list(nic.getInetAddresses()).stream()
                  .map(SourcePolicy::withoutScope)
                  .toList());
        }
      } catch (SocketException e) {
        // Keep what was known; loopback and unspecified addresses are refused regardless.
        found.addAll(ownAddresses);
      }
      ownAddresses = Set.copyOf(found);
      ownAddressesAt = now;
    }
    return ownAddresses;
  }

  private static InetAddress withoutScope(InetAddress a) {
    if (a instanceof Inet6Address && ((Inet6Address) a).getScopeId() != 0) {
      try {
        return InetAddress.getByAddress(a.getAddress());
      } catch (IOException e) {
        return a;
      }
    }
    return a;
  }
}
