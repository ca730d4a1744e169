package io.bergenholm.power.vmware;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One entry of a VM's {@code config.bootOptions.bootOrder}: a kind and, for disks and network
 * cards, the device key. {@link #token()} is its short text form ({@code disk:2000}), used to keep
 * an order in the VM's extraConfig.
 */
record BootDevice(Kind kind, Optional<Integer> deviceKey) {
  enum Kind {
    CDROM("VirtualMachineBootOptionsBootableCdromDevice", "cdrom"),
    DISK("VirtualMachineBootOptionsBootableDiskDevice", "disk"),
    ETHERNET("VirtualMachineBootOptionsBootableEthernetDevice", "ethernet"),
    FLOPPY("VirtualMachineBootOptionsBootableFloppyDevice", "floppy");

    final String xsiType;
    final String token;

    Kind(String xsiType, String token) {
      this.xsiType = xsiType;
      this.token = token;
    }
  }

  static BootDevice ethernet(int key) {
    return new BootDevice(Kind.ETHERNET, Optional.of(key));
  }

  static BootDevice disk(int key) {
    return new BootDevice(Kind.DISK, Optional.of(key));
  }

  static BootDevice cdrom() {
    return new BootDevice(Kind.CDROM, Optional.empty());
  }

  /** The entries of a {@code VirtualMachineBootOptions} element; unknown kinds are skipped. */
  static List<BootDevice> fromBootOptions(XmlTree bootOptions) {
    List<BootDevice> order = new ArrayList<>();
    for (XmlTree e : bootOptions.all("bootOrder")) {
      for (Kind k : Kind.values()) {
        if (k.xsiType.equals(e.type())) {
          order.add(new BootDevice(k, e.text("deviceKey").map(Integer::valueOf)));
        }
      }
    }
    return order;
  }

  String token() {
    return kind.token + deviceKey.map(k -> ":" + k).orElse("");
  }

  static BootDevice parse(String token) {
    String[] parts = token.split(":", 2);
    for (Kind k : Kind.values()) {
      if (k.token.equals(parts[0])) {
        return new BootDevice(
            k, parts.length == 2 ? Optional.of(Integer.valueOf(parts[1])) : Optional.empty());
      }
    }
    throw new IllegalArgumentException("unknown boot device '" + token + "'");
  }

  static String tokens(List<BootDevice> order) {
    List<String> t = new ArrayList<>();
    order.forEach(d -> t.add(d.token()));
    return String.join(",", t);
  }

  static List<BootDevice> parseTokens(String text) {
    List<BootDevice> order = new ArrayList<>();
    for (String t : text.split(",")) {
      if (!t.isBlank()) {
        order.add(parse(t.trim()));
      }
    }
    return order;
  }

  /** This entry as a {@code bootOrder} element of a {@code VirtualMachineBootOptions}. */
  String xml() {
    return "<bootOrder xsi:type=\""
        + kind.xsiType
        + "\">"
        + deviceKey.map(k -> "<deviceKey>" + k + "</deviceKey>").orElse("")
        + "</bootOrder>";
  }
}
