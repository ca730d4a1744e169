package io.bergenholm.netboot.dhcp;

import io.bergenholm.netboot.tftp.TftpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * The child JVM of {@link ProxyDhcpNetnsTest}: TFTP on port 69 and proxyDHCP on one address inside
 * the server's network namespace, until the process is stopped. Arguments: ADDRESS TFTP_ROOT
 * CHAIN_URL.
 */
final class NetnsBootServers {
  private NetnsBootServers() {}

  public static void main(String[] args) throws Exception {
    InetAddress address = InetAddress.getByName(args[0]);
    TftpServer tftp =
        TftpServer.builder()
            .bind(new InetSocketAddress(address, 69))
            .root(Path.of(args[1]))
            .build();
    tftp.start();
    ProxyDhcpServer dhcp =
        ProxyDhcpServer.builder()
            .bindAddress(address)
            .bootServer(address)
            .chainUrl(args[2])
            .build();
    dhcp.start();
    LoggerFactory.getLogger(NetnsBootServers.class)
        .info("proxyDHCP listening on {} and {}", dhcp.dhcpAddress(), dhcp.pxeAddress());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  dhcp.close();
                  tftp.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
