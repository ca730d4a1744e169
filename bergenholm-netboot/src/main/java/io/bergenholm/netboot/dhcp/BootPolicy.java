package io.bergenholm.netboot.dhcp;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Picks what a PXE client is told to boot. In order: a client that already runs iPXE gets the chain
 * script (sending it an iPXE binary again would loop forever); then the per-host override; then the
 * override for its architecture; then the built-in choice by architecture (IANA "Processor
 * Architecture Types", RFC 4578 option 93).
 */
final class BootPolicy {

  /** IANA option 93 values this server knows by default. */
  static final int ARCH_BIOS = 0;

  static final int ARCH_EFI_X86_64 = 7;
  static final int ARCH_EFI_BC = 9;
  static final int ARCH_EFI_ARM64 = 11;
  static final int ARCH_HTTP_X86_64 = 16;
  static final int ARCH_HTTP_ARM64 = 19;

  /** What the answer names, and whether the client expects an HTTP-boot answer. */
  record Choice(String bootFile, boolean httpBoot) {}

  private final String chainTarget;
  private final String biosBootFile;
  private final String uefiBootFile;
  private final String arm64BootFile;
  private final Optional<String> httpBootUrl;
  private final Map<Integer, String> archOverrides;
  private final Function<ClientIdentity, Optional<String>> hostOverride;

  BootPolicy(
      String chainTarget,
      String uefiBootFile,
      String arm64BootFile,
      Optional<String> httpBootUrl,
      Map<Integer, String> archOverrides,
      Function<ClientIdentity, Optional<String>> hostOverride) {
    this(
        chainTarget,
        "undionly.kpxe",
        uefiBootFile,
        arm64BootFile,
        httpBootUrl,
        archOverrides,
        hostOverride);
  }

  BootPolicy(
      String chainTarget,
      String biosBootFile,
      String uefiBootFile,
      String arm64BootFile,
      Optional<String> httpBootUrl,
      Map<Integer, String> archOverrides,
      Function<ClientIdentity, Optional<String>> hostOverride) {
    this.chainTarget = chainTarget;
    this.biosBootFile = biosBootFile;
    this.uefiBootFile = uefiBootFile;
    this.arm64BootFile = arm64BootFile;
    this.httpBootUrl = httpBootUrl;
    this.archOverrides = Map.copyOf(archOverrides);
    this.hostOverride = hostOverride;
  }

  /** Empty when the architecture has no boot file: the client is then left to other servers. */
  Optional<Choice> choose(DhcpMessage request, ClientIdentity client, boolean httpClient) {
    if (!httpClient && isIpxe(request)) {
      return Optional.of(new Choice(chainTarget, false));
    }
    Optional<String> forHost = hostOverride.apply(client);
    if (forHost.isPresent()) {
      return Optional.of(new Choice(forHost.get(), httpClient));
    }
    String forArch = archOverrides.get(client.arch());
    if (forArch != null) {
      return Optional.of(new Choice(forArch, httpClient));
    }
    if (httpClient) {
      return httpBootUrl.map(url -> new Choice(url, true));
    }
    return switch (client.arch()) {
      case ARCH_BIOS -> Optional.of(new Choice(biosBootFile, false));
      case ARCH_EFI_X86_64, ARCH_EFI_BC -> Optional.of(new Choice(uefiBootFile, false));
      case ARCH_EFI_ARM64 -> Optional.of(new Choice(arm64BootFile, false));
      default -> Optional.empty();
    };
  }

  /** iPXE says so with user class "iPXE" (raw, or as an RFC 3004 item) or its own option 175. */
  static boolean isIpxe(DhcpMessage request) {
    if (request.option(DhcpMessage.OPT_IPXE_ENCAPSULATED).isPresent()) {
      return true;
    }
    Optional<byte[]> userClass = request.option(DhcpMessage.OPT_USER_CLASS);
    if (userClass.isEmpty()) {
      return false;
    }
    byte[] v = userClass.get();
    if (new String(v, StandardCharsets.US_ASCII).equals("iPXE")) {
      return true;
    }
    for (int i = 0; i < v.length; ) {
      int length = v[i] & 0xFF;
      if (i + 1 + length > v.length) {
        return false;
      }
      if (new String(v, i + 1, length, StandardCharsets.US_ASCII).equals("iPXE")) {
        return true;
      }
      i += 1 + length;
    }
    return false;
  }
}
