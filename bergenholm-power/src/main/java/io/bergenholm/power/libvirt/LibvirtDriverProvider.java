package io.bergenholm.power.libvirt;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code libvirt} power driver. A host names its hypervisor with {@code libvirt_url} (a libvirt
 * connection URI such as {@code qemu+ssh://root@kvm1/system}); configuration key {@code url} is the
 * default for hosts that do not. The domain is the one whose UUID is the host id, or the one named
 * (or UUID'd) by the host's {@code libvirt_domain}.
 */
public final class LibvirtDriverProvider implements PowerDriverProvider {
  public static final String NAME = "libvirt";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    return new LibvirtDriver(Optional.ofNullable(config.get("url")).filter(s -> !s.isEmpty()));
  }
}
