package io.bergenholm.netboot.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.Unpooled;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxyDHCP and TFTP over a veth pair between two network namespaces this test creates: the servers
 * run in one (as a child JVM through {@link NetnsBootServers}), PXE clients' packets come from the
 * other, broadcast DISCOVERs included, exactly as on a real segment. Needs root and iproute2; CI
 * has both.
 */
class ProxyDhcpNetnsTest {

  private static final long SEED = 4011L;
  private static final List<Process> children = new ArrayList<>();
  private static String suffix;
  private static String serverNs;
  private static String clientNs;
  private static String subnet;
  private static String serverIp;
  private static String clientIp;
  private static boolean namespacesCreated;

  @TempDir static Path root;

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
        "iproute2 is not installed");
    Random random = new Random(SEED ^ ProcessHandle.current().pid());
    suffix =
        Long.toHexString(ProcessHandle.current().pid())
            + Integer.toHexString(random.nextInt(0x1000));
    suffix = suffix.substring(Math.max(0, suffix.length() - 8));
    serverNs = "bgh-pxs-" + suffix;
    clientNs = "bgh-pxc-" + suffix;
    subnet = "10.231." + random.nextInt(256);
    serverIp = subnet + ".1";
    clientIp = subnet + ".2";
    byte[] kpxe = new byte[70_000];
    random.nextBytes(kpxe);
    Files.write(root.resolve("undionly.kpxe"), kpxe);
    try {
      namespacesCreated = true;
      ip("netns", "add", serverNs);
      ip("netns", "add", clientNs);
      ip("link", "add", "bs" + suffix, "type", "veth", "peer", "name", "bc" + suffix);
      ip("link", "set", "bs" + suffix, "netns", serverNs);
      ip("link", "set", "bc" + suffix, "netns", clientNs);
      ip("-n", serverNs, "addr", "add", serverIp + "/24", "dev", "bs" + suffix);
      ip("-n", clientNs, "addr", "add", clientIp + "/24", "dev", "bc" + suffix);
      for (String[] nsDev : new String[][] {{serverNs, "bs" + suffix}, {clientNs, "bc" + suffix}}) {
        ip("-n", nsDev[0], "link", "set", "lo", "up");
        ip("-n", nsDev[0], "link", "set", nsDev[1], "up");
      }
      // a PXE ROM broadcasts on its only link; without a route the kernel would refuse
      // 255.255.255.255
      ip("-n", clientNs, "route", "add", "default", "dev", "bc" + suffix);
      startServers();
    } catch (Exception | AssertionError e) {
      tearDown();
      throw e;
    }
  }

  private static void startServers() throws Exception {
    Process server =
        new ProcessBuilder(
                List.of(
                    "ip",
                    "netns",
                    "exec",
                    serverNs,
                    javaBinary(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                    NetnsBootServers.class.getName(),
                    serverIp,
                    root.toString(),
                    "http://" + serverIp + ":8080/ipxe/boot.ipxe"))
            .redirectErrorStream(true)
            .start();
    children.add(server);
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  lines.offer(line);
                }
              } catch (IOException e) {
                lines.offer("reader stopped: " + e);
              }
            },
            "netns-server-output");
    reader.setDaemon(true);
    reader.start();
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(200, TimeUnit.MILLISECONDS);
      if (line != null) {
        seen.append(line).append('\n');
        if (line.contains("proxyDHCP listening")) {
          return;
        }
      }
      if (!server.isAlive() && lines.isEmpty()) {
        break;
      }
    }
    throw new AssertionError("servers did not start in " + serverNs + ":\n" + seen);
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (Process child : children) {
      child.destroy();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
    children.clear();
    if (namespacesCreated) {
      run(false, "ip", "netns", "del", serverNs);
      run(false, "ip", "netns", "del", clientNs);
      namespacesCreated = false;
    }
  }

  @Test
  void biosUefiAndIpxeClientsGetTheirProxyOffers() throws Exception {
    byte[] biosMac = PxeClientPackets.mac(0x10);
    byte[] uefiMac = PxeClientPackets.mac(0x11);
    byte[] ipxeMac = PxeClientPackets.mac(0x12);
    List<String> replies =
        probe(
            discover(PxeClientPackets.Client.BIOS, biosMac, 0x1001),
            discover(PxeClientPackets.Client.UEFI, uefiMac, 0x1002),
            discover(PxeClientPackets.Client.IPXE, ipxeMac, 0x1003),
            discover(PxeClientPackets.Client.NOT_PXE, PxeClientPackets.mac(0x13), 0x1004),
            "255.255.255.255:67:" + "00ff00ff");
    assertThat(replies).hasSize(5);
    assertOffer(replies.get(0), 0x1001, biosMac, "undionly.kpxe");
    assertOffer(replies.get(1), 0x1002, uefiMac, "ipxe.efi");
    assertOffer(replies.get(2), 0x1003, ipxeMac, "http://" + serverIp + ":8080/ipxe/boot.ipxe");
    assertThat(replies.get(3)).as("a client that is not PXE gets nothing").isEqualTo("NONE");
    assertThat(replies.get(4)).as("garbage gets nothing").isEqualTo("NONE");
  }

  @Test
  void theFollowUpOnPort4011GetsAnAckAndTheFileComesOverTftp() throws Exception {
    byte[] mac = PxeClientPackets.mac(0x20);
    byte[] ciaddr = address(clientIp);
    DhcpMessage request =
        PxeClientPackets.pxeRequest(PxeClientPackets.Client.BIOS, mac, 0x2001, ciaddr);
    List<String> replies =
        probe(serverIp + ":4011:" + HexFormat.of().formatHex(PxeClientPackets.bytes(request)));
    assertThat(replies.get(0)).startsWith("REPLY " + serverIp + ":4011 ");
    DhcpMessage ack = decode(replies.get(0));
    assertThat(ack.messageType()).contains(DhcpMessage.ACK);
    assertThat(ack.xid()).isEqualTo(0x2001);
    assertThat(ack.chaddr()).isEqualTo(mac);
    assertThat(ack.ciaddr()).isEqualTo(ciaddr);
    assertThat(ack.yiaddr()).containsExactly(0, 0, 0, 0);
    assertThat(ack.siaddr()).isEqualTo(address(serverIp));
    assertThat(ack.file()).isEqualTo("undionly.kpxe");
    assertThat(ack.option(DhcpMessage.OPT_VENDOR_SPECIFIC))
        .hasValue(new byte[] {6, 1, 8, 71, 4, 0, 0, 0, 0, (byte) 255});

    // the client then loads the named file from next-server, as the ROM would
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
    Path target = root.resolve("fetched.kpxe");
    run(
        true,
        "ip",
        "netns",
        "exec",
        clientNs,
        "curl",
        "-sS",
        "--max-time",
        "20",
        "--tftp-blksize",
        "1432",
        "-o",
        target.toString(),
        "tftp://" + DhcpMessage.address(ack.siaddr()).getHostAddress() + "/" + ack.file());
    assertThat(Files.readAllBytes(target))
        .isEqualTo(Files.readAllBytes(root.resolve("undionly.kpxe")));
  }

  private static void assertOffer(String reply, int xid, byte[] mac, String file) {
    assertThat(reply).as("answer to xid %x", xid).startsWith("REPLY " + serverIp + ":67 ");
    DhcpMessage offer = decode(reply);
    assertThat(offer.op()).isEqualTo(DhcpMessage.BOOTREPLY);
    assertThat(offer.htype()).isEqualTo(1);
    assertThat(offer.hlen()).isEqualTo(6);
    assertThat(offer.xid()).isEqualTo(xid);
    assertThat(offer.flags()).isEqualTo(0x8000);
    assertThat(offer.chaddr()).isEqualTo(mac);
    assertThat(offer.ciaddr()).containsExactly(0, 0, 0, 0);
    assertThat(offer.yiaddr()).as("a proxy never hands out an address").containsExactly(0, 0, 0, 0);
    assertThat(offer.siaddr()).isEqualTo(address(serverIp));
    assertThat(offer.giaddr()).containsExactly(0, 0, 0, 0);
    assertThat(offer.sname()).isEqualTo(serverIp);
    assertThat(offer.file()).isEqualTo(file);
    assertThat(offer.messageType()).contains(DhcpMessage.OFFER);
    assertThat(offer.option(DhcpMessage.OPT_SERVER_ID)).hasValue(address(serverIp));
    assertThat(offer.optionString(DhcpMessage.OPT_VENDOR_CLASS)).contains("PXEClient");
    assertThat(offer.option(DhcpMessage.OPT_CLIENT_UUID)).hasValue(PxeClientPackets.UUID_OPTION);
    assertThat(offer.option(DhcpMessage.OPT_VENDOR_SPECIFIC))
        .hasValue(new byte[] {6, 1, 8, (byte) 255});
    assertThat(offer.option(51)).as("no lease time: no lease").isEmpty();
    assertThat(offer.option(1)).as("no netmask: no address").isEmpty();
  }

  private static String discover(PxeClientPackets.Client client, byte[] mac, int xid) {
    return "255.255.255.255:67:"
        + HexFormat.of()
            .formatHex(
                PxeClientPackets.bytes(PxeClientPackets.discover(client, mac, xid, new byte[4])));
  }

  private static List<String> probe(String... sends) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                clientNs,
                javaBinary(),
                "-cp",
                System.getProperty("java.class.path"),
                DhcpProbe.class.getName(),
                "68"));
    command.addAll(List.of(sends));
    String output = run(true, command.toArray(String[]::new));
    return output.lines().filter(l -> l.startsWith("REPLY") || l.equals("NONE")).toList();
  }

  private static DhcpMessage decode(String reply) {
    String hex = reply.substring(reply.lastIndexOf(' ') + 1);
    try {
      return DhcpMessage.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex)));
    } catch (DhcpMessage.MalformedException e) {
      throw new AssertionError("the server sent a malformed answer: " + e.getMessage(), e);
    }
  }

  private static byte[] address(String dotted) {
    String[] parts = dotted.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) Integer.parseInt(parts[i]);
    }
    return b;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void ip(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    run(true, command.toArray(String[]::new));
  }

  private static String run(boolean check, String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (check && process.exitValue() != 0) {
      throw new AssertionError(
          "exit " + process.exitValue() + ": " + String.join(" ", command) + "\n" + output);
    }
    return output;
  }
}
