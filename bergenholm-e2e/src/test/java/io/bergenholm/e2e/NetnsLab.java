package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An isolated layer-2 network made of two network namespaces, torn down on {@link #close()} (and by
 * a shutdown hook if the test JVM ends first):
 *
 * <pre>
 *   boot namespace:  br0 192.168.77.1/24 ── tap0 (the QEMU machine)
 *                     └── veth-p ══ veth-d 192.168.77.2/24 : site namespace
 * </pre>
 *
 * The site namespace plays the site's own network: a DHCP server that hands out addresses only (and
 * router advertisements, without which iPXE waits ~15 s for IPv6) and the upstream image server.
 * Bergenholm and QEMU run in the boot namespace. Nothing here is connected to the host's network.
 * Namespace names carry the test JVM's PID, so namespaces a killed run left behind are recognised
 * and removed by the next run.
 */
final class NetnsLab implements AutoCloseable {
  static final String SERVER_IP = "192.168.77.1";
  static final String SITE_IP = "192.168.77.2";
  static final int UPSTREAM_PORT = 8081;
  private static final String PREFIX_BOOT = "bgh-e2e-";
  private static final String PREFIX_SITE = "bgh-site-";
  private static final Pattern OURS =
      Pattern.compile("^(bgh-(?:e2e|site)-(\\d+)-\\d+)\\b", Pattern.MULTILINE);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  final String ns;
  final String siteNs;
  private final Path work;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private final Thread reaper;

  private NetnsLab(String ns, String siteNs, Path work) {
    this.ns = ns;
    this.siteNs = siteNs;
    this.work = work;
    this.reaper = new Thread(this::close, "e2e-netns-reaper");
  }

  /** What this machine lacks for the namespace flows, or empty if it has it all. */
  static Optional<String> missing() {
    if (!Shell.isRoot()) {
      return Optional.of("network namespaces need root");
    }
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      return Optional.of("no /dev/net/tun");
    }
    for (String program : List.of("ip", "dnsmasq", "busybox", "curl", "qemu-system-x86_64")) {
      if (!Shell.available(program)) {
        return Optional.of("no " + program);
      }
    }
    if (!Files.exists(Path.of("/usr/lib/ipxe/undionly.kpxe"))) {
      return Optional.of("no /usr/lib/ipxe/undionly.kpxe (Debian package ipxe)");
    }
    return Optional.empty();
  }

  static NetnsLab create(Path work) {
    removeLeftovers();
    String id = ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    NetnsLab lab = new NetnsLab(PREFIX_BOOT + id, PREFIX_SITE + id, work);
    Runtime.getRuntime().addShutdownHook(lab.reaper);
    try {
      lab.build();
      return lab;
    } catch (RuntimeException e) {
      lab.close();
      throw e;
    }
  }

  /**
   * Deletes namespaces of earlier runs whose JVM is gone (killed too hard for its shutdown hooks),
   * after killing, by PID, the processes still running inside them.
   */
  private static void removeLeftovers() {
    Matcher m = OURS.matcher(Shell.check("ip", "netns", "list"));
    while (m.find()) {
      long pid = Long.parseLong(m.group(2));
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      for (String line :
          Shell.run(List.of("ip", "netns", "pids", m.group(1))).output().split("\\s+")) {
        if (line.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      Shell.run(List.of("ip", "-n", m.group(1), "link", "del", "tap0"));
      Shell.run(List.of("ip", "netns", "del", m.group(1)));
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
    Shell.check(
        "ip", "link", "add", "veth-d", "netns", siteNs, "type", "veth", "peer", "name", "veth-p",
        "netns", ns);
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
    startSiteDhcp(List.of());
  }

  /**
   * The site's DHCP server that also names {@code nextServer} as next-server (siaddr), with no boot
   * file: what a GRUB that ignores proxyDHCP answers (Debian 12's) needs to find its TFTP server,
   * while the boot file still comes from the proxyDHCP.
   */
  void startSiteDhcpNamingNextServer(String nextServer) throws IOException {
    startSiteDhcp(List.of("dhcp-boot=,," + nextServer));
  }

  private void startSiteDhcp(List<String> extra) throws IOException {
    Path conf = work.resolve("site-dnsmasq.conf");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "port=0",
                "bind-interfaces",
                "interface=veth-d",
                "no-resolv",
                "no-hosts",
                "no-ping",
                "log-dhcp",
                "log-facility=-",
                "dhcp-leasefile=" + work.resolve("site.leases"),
                "dhcp-range=192.168.77.100,192.168.77.150,255.255.255.0,1h",
                "enable-ra",
                "dhcp-range=::,constructor:veth-d,ra-only"));
    lines.addAll(extra);
    lines.add("");
    Files.writeString(conf, String.join("\n", lines));
    Files.deleteIfExists(work.resolve("site-dnsmasq.log"));
    processes.add(
        ManagedProcess.start(
            "site dnsmasq",
            work.resolve("site-dnsmasq.log"),
            List.of(
                "ip", "netns", "exec", siteNs, "dnsmasq", "--no-daemon", "--conf-file=" + conf)));
  }

  /** The upstream image server (busybox httpd) in the site namespace; returns its base URL. */
  String startUpstream(Path dir) throws IOException {
    Files.deleteIfExists(work.resolve("upstream.log"));
    processes.add(
        ManagedProcess.start(
            "upstream httpd",
            work.resolve("upstream.log"),
            List.of(
                "ip",
                "netns",
                "exec",
                siteNs,
                "busybox",
                "httpd",
                "-f",
                "-vv",
                "-p",
                SITE_IP + ":" + UPSTREAM_PORT,
                "-h",
                dir.toString())));
    return "http://" + SITE_IP + ":" + UPSTREAM_PORT;
  }

  /** How many GET requests for {@code /name} the upstream logged. */
  int upstreamRequests(String name) throws IOException {
    Path log = work.resolve("upstream.log");
    if (!Files.exists(log)) {
      return 0;
    }
    return (int) Files.readAllLines(log).stream().filter(l -> l.endsWith("url:/" + name)).count();
  }

  /** Whether the namespaces still exist (for the teardown check). */
  boolean exists() {
    String list = Shell.check("ip", "netns", "list");
    return Pattern.compile(
            "^(" + Pattern.quote(ns) + "|" + Pattern.quote(siteNs) + ")\\b", Pattern.MULTILINE)
        .matcher(list)
        .find();
  }

  @Override
  public synchronized void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    processes.clear();
    Shell.run(List.of("ip", "-n", ns, "link", "del", "tap0"));
    Shell.run(List.of("ip", "netns", "del", siteNs));
    Shell.run(List.of("ip", "netns", "del", ns));
    if (Thread.currentThread() != reaper) {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down; the hook may run too, and deleting twice is harmless.
      }
    }
  }
}
