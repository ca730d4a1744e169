package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An isolated layer-2 network made of two network namespaces, torn down on {@link #close()}:
 *
 * <pre>
 *   boot namespace:  br0 192.168.77.1/24 ── tap0 (the QEMU machine)
 *                     └── veth-p ══ veth-d 192.168.77.2/24 : site namespace
 * </pre>
 *
 * The site namespace plays the site's own network: a DHCP server that hands out addresses only (and
 * router advertisements, without which iPXE waits ~15 s for IPv6) and the upstream image server.
 * Bergenholm and QEMU run in the boot namespace. Nothing here is connected to the host's network.
 */
final class NetnsLab implements AutoCloseable {
  static final String SERVER_IP = "192.168.77.1";
  static final String SITE_IP = "192.168.77.2";
  private static final AtomicInteger COUNTER = new AtomicInteger();

  final String ns;
  final String siteNs;
  private final Path work;
  private final List<ManagedProcess> processes = new ArrayList<>();

  private NetnsLab(String ns, String siteNs, Path work) {
    this.ns = ns;
    this.siteNs = siteNs;
    this.work = work;
  }

  static boolean supported() {
    return "root".equals(System.getProperty("user.name")) && Shell.available("ip")
        && Files.exists(Path.of("/dev/net/tun")) && Shell.available("dnsmasq")
        && Shell.available("qemu-system-x86_64");
  }

  static NetnsLab create(Path work) {
    String id = ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    NetnsLab lab = new NetnsLab("bgh-e2e-" + id, "bgh-site-" + id, work);
    try {
      lab.build();
      return lab;
    } catch (RuntimeException e) {
      lab.close();
      throw e;
    }
  }

  private void build() {
    Shell.check("ip", "netns", "add", ns);
    Shell.check("ip", "netns", "add", siteNs);
    Shell.check("ip", "-n", ns, "link", "set", "lo", "up");
    Shell.check("ip", "-n", siteNs, "link", "set", "lo", "up");
    Shell.check("ip", "-n", ns, "link", "add", "br0", "type", "bridge");
    Shell.check("ip", "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap");
    Shell.check("ip", "-n", ns, "link", "set", "tap0", "master", "br0");
    Shell.check("ip", "-n", ns, "addr", "add", SERVER_IP + "/24", "dev", "br0");
    Shell.check("ip", "-n", ns, "-6", "addr", "add", "fd77::1/64", "dev", "br0", "nodad");
    Shell.check("ip", "link", "add", "veth-d", "netns", siteNs, "type", "veth", "peer", "name", "veth-p", "netns", ns);
    Shell.check("ip", "-n", ns, "link", "set", "veth-p", "master", "br0");
    Shell.check("ip", "-n", siteNs, "addr", "add", SITE_IP + "/24", "dev", "veth-d");
    Shell.check("ip", "-n", siteNs, "-6", "addr", "add", "fd77::2/64", "dev", "veth-d", "nodad");
    for (String dev : List.of("tap0", "veth-p", "br0")) {
      Shell.check("ip", "-n", ns, "link", "set", dev, "up");
    }
    Shell.check("ip", "-n", siteNs, "link", "set", "veth-d", "up");
  }

  /** The site's DHCP server: addresses and router advertisements only, no boot information. */
  void startSiteDhcp() throws IOException {
    Path conf = work.resolve("dnsmasq-site.conf");
    Files.writeString(conf, String.join("\n",
        "port=0", "bind-interfaces", "interface=veth-d", "no-resolv", "no-hosts", "no-ping",
        "log-dhcp", "log-facility=-", "dhcp-leasefile=" + work.resolve("site.leases"),
        "dhcp-range=192.168.77.100,192.168.77.150,255.255.255.0,1h",
        "enable-ra", "dhcp-range=::,constructor:veth-d,ra-only", ""));
    processes.add(ManagedProcess.start("site dnsmasq", work.resolve("dnsmasq-site.log"),
        List.of("ip", "netns", "exec", siteNs, "dnsmasq", "--no-daemon", "--conf-file=" + conf)));
  }

  /** The upstream image server in the site namespace; returns its base URL. */
  String startUpstream(Path dir) {
    ManagedProcess httpd = ManagedProcess.start("upstream httpd", work.resolve("upstream.log"),
        List.of("ip", "netns", "exec", siteNs, "busybox", "httpd", "-f", "-vv", "-p", SITE_IP + ":8081", "-h", dir.toString()));
    processes.add(httpd);
    return "http://" + SITE_IP + ":8081";
  }

  /** How many GET requests for {@code name} the upstream logged. */
  int upstreamRequests(String name) throws IOException {
    Path log = work.resolve("upstream.log");
    if (!Files.exists(log)) {
      return 0;
    }
    return (int) Files.readAllLines(log).stream().filter(l -> l.contains("url:/" + name)).count();
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    Shell.run(List.of("ip", "-n", ns, "link", "del", "tap0"));
    Shell.run(List.of("ip", "netns", "del", siteNs));
    Shell.run(List.of("ip", "netns", "del", ns));
  }
}
