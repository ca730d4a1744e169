package io.bergenholm.api.event;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a boot that Bergenholm saw: a proxyDHCP offer, a TFTP transfer, a script served, an
 * image streamed, a registration, a power action, an error.
 *
 * <p>Most of what an event carries comes from the network (a MAC address, a file name a client
 * asked for), so every text is bounded: at most {@value #MAX_ATTRIBUTES} attributes, keys and
 * values cut to {@value #MAX_TEXT} characters.
 *
 * @param time when the step ended
 * @param kind what happened, one of the {@code KIND_} constants or an embedder's own dotted name
 * @param host the host id (SMBIOS UUID) if known
 * @param mac the client's hardware address, where the id is not known yet (DHCP, TFTP)
 * @param ip the client's address
 * @param outcome {@value #OK}, {@value #ERROR}, {@value #ABORTED} or another short word
 * @param attributes details (template, file, bytes, duration_ms …), in insertion order
 */
public record BootEvent(
    Instant time,
    String kind,
    Optional<String> host,
    Optional<String> mac,
    Optional<String> ip,
    String outcome,
    Map<String, String> attributes) {
  /** The most attributes an event keeps; later ones are dropped. */
  public static final int MAX_ATTRIBUTES = 16;

  /** The longest text (kind, id, attribute key or value) an event keeps; longer ones are cut. */
  public static final int MAX_TEXT = 256;

  /** Outcome: the step succeeded. */
  public static final String OK = "ok";

  /** Outcome: the step failed; attribute {@code error} says why. */
  public static final String ERROR = "error";

  /** Outcome: the client went away before the step ended. */
  public static final String ABORTED = "aborted";

  /** A proxyDHCP offer: attributes {@code arch}, {@code boot_file}. */
  public static final String KIND_DHCP_OFFER = "dhcp.offer";

  /** A TFTP read: {@code file}, {@code bytes}, {@code duration_ms}, {@code options}. */
  public static final String KIND_TFTP_TRANSFER = "tftp.transfer";

  /**
   * An iPXE script served: {@code template}, {@code purpose} (install, register, local), {@code
   * duration_ms}.
   */
  public static final String KIND_SCRIPT_SERVED = "script.served";

  /**
   * An image streamed: {@code image}, {@code bytes}, {@code source} (cache, upstream), {@code
   * duration_ms}.
   */
  public static final String KIND_IMAGE_STREAMED = "image.streamed";

  /** A template rendered for a host at boot (kickstart, preseed): {@code template}. */
  public static final String KIND_TEMPLATE_RENDERED = "template.rendered";

  /** A host registered itself: the machine facts. */
  public static final String KIND_HOST_REGISTERED = "host.registered";

  /** A host marked installed. */
  public static final String KIND_HOST_INSTALLED = "host.installed";

  /** A host marked not installed. */
  public static final String KIND_HOST_UNINSTALLED = "host.uninstalled";

  /** A power action: {@code action}, {@code driver}, {@code by}. */
  public static final String KIND_POWER = "power.action";

  /**
   * A reinstall was asked for: {@code done} (the steps that took effect, comma-separated), {@code
   * groups}, and on failure {@code failed_step} and {@code error}.
   */
  public static final String KIND_PROVISION = "host.provision";

  /** A render failed: {@code template}, {@code error} (which names the line). */
  public static final String KIND_RENDER_ERROR = "render.error";

  /** The store failed while serving a boot: {@code error}. */
  public static final String KIND_STORE_ERROR = "store.error";

  /**
   * Checks that nothing is null and bounds every text (see the class comment).
   *
   * @param time when the step ended
   * @param kind what happened
   * @param host the host id if known
   * @param mac the client's hardware address
   * @param ip the client's address
   * @param outcome how it ended
   * @param attributes details, in insertion order
   */
  public BootEvent {
    Objects.requireNonNull(time, "time");
    kind = cut(Objects.requireNonNull(kind, "kind"));
    host = Objects.requireNonNull(host, "host").map(BootEvent::cut);
    mac = Objects.requireNonNull(mac, "mac").map(BootEvent::cut);
    ip = Objects.requireNonNull(ip, "ip").map(BootEvent::cut);
    outcome = cut(Objects.requireNonNull(outcome, "outcome"));
    Map<String, String> bounded = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      if (bounded.size() == MAX_ATTRIBUTES) {
        break;
      }
      bounded.put(cut(e.getKey()), cut(String.valueOf(e.getValue())));
    }
    attributes = Collections.unmodifiableMap(bounded);
  }

  /**
   * An event about a known host id, now.
   *
   * @param kind what happened
   * @param host the host id
   * @param outcome how it ended
   * @param attributes details
   * @return the event, timed now
   */
  public static BootEvent of(
      String kind, String host, String outcome, Map<String, String> attributes) {
    return new BootEvent(
        Instant.now(),
        kind,
        Optional.of(host),
        Optional.empty(),
        Optional.empty(),
        outcome,
        attributes);
  }

  /**
   * An event about a client known only by its addresses, now.
   *
   * @param kind what happened
   * @param mac the client's hardware address, or null
   * @param ip the client's address, or null
   * @param outcome how it ended
   * @param attributes details
   * @return the event, timed now
   */
  public static BootEvent ofClient(
      String kind, String mac, String ip, String outcome, Map<String, String> attributes) {
    return new BootEvent(
        Instant.now(),
        kind,
        Optional.empty(),
        Optional.ofNullable(mac),
        Optional.ofNullable(ip),
        outcome,
        attributes);
  }

  /**
   * Who the event is about.
   *
   * @return the host id, else the MAC, else the IP, else the empty string
   */
  public String subject() {
    return host.or(() -> mac).or(() -> ip).orElse("");
  }

  private static String cut(String s) {
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
  }
}
