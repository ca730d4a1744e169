package io.bergenholm.netboot.tftp;

import io.bergenholm.netboot.dhcp.ProxyDhcpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the TFTP server and/or the proxyDHCP server from command-line flags and runs until the
 * process is stopped. {@link #start(List)} is the same without blocking, for a runner that parses
 * its own command line.
 *
 * <pre>
 * --tftp ADDR:PORT            serve TFTP there
 * --tftp-root DIR             files to serve (default /usr/lib/ipxe)
 * --tftp-file NAME=PATH       a virtual file read from PATH on every request
 * --tftp-transport T          native (epoll where available, the default) or nio
 * --proxy-dhcp ADDR           answer PXE clients on ADDR, ports 67 and 4011
 * --boot-server ADDR          next-server in answers (default: the proxyDHCP address)
 * --chain-url URL             what iPXE clients are sent (default: boot.ipxe over TFTP)
 * --uefi-boot-file NAME       ipxe.efi (default) or snponly.efi
 * --bios-boot-file NAME       undionly.kpxe (default)
 * --arm64-boot-file NAME      ipxe-arm64.efi (default)
 * --http-boot-url URL         what UEFI HTTP Boot clients load (default: the UEFI boot file beside the chain URL)
 * --arch-boot-file ARCH=NAME  boot file for an option 93 architecture
 * </pre>
 */
public final class BootServersMain {

    private static final Logger log = LoggerFactory.getLogger(BootServersMain.class);

    /** The servers started; close it to stop them. */
    public record Started(List<AutoCloseable> servers) implements AutoCloseable {
        @Override
        public void close() {
            for (AutoCloseable server : servers) {
                try {
                    server.close();
                } catch (Exception e) {
                    log.warn("error stopping {}: {}", server, e.toString());
                }
            }
        }
    }

    private BootServersMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Started started = start(List.of(args));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.close();
            stopped.countDown();
        }, "boot-servers-shutdown"));
        stopped.await();
    }

    public static Started start(List<String> args) {
        Map<String, String> flags = new HashMap<>();
        List<String> archFiles = new ArrayList<>();
        List<String> virtualFiles = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("flag " + flag + " needs a value");
            }
            String value = args.get(++i);
            switch (flag) {
                case "--tftp", "--tftp-root", "--tftp-transport", "--proxy-dhcp", "--boot-server", "--chain-url", "--uefi-boot-file",
                        "--bios-boot-file", "--arm64-boot-file", "--http-boot-url" ->
                        flags.put(flag, value);
                case "--arch-boot-file" -> archFiles.add(value);
                case "--tftp-file" -> virtualFiles.add(value);
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        List<AutoCloseable> servers = new ArrayList<>();
        Started started = new Started(servers);
        try {
            if (flags.containsKey("--tftp")) {
                TftpServer.Builder tftp = TftpServer.builder()
                        .bind(socketAddress(flags.get("--tftp")))
                        .root(Path.of(flags.getOrDefault("--tftp-root", "/usr/lib/ipxe")))
                        .nativeTransport(transport(flags.getOrDefault("--tftp-transport", "native")));
                for (String spec : virtualFiles) {
                    String[] nameAndPath = pair(spec, "--tftp-file");
                    Path path = Path.of(nameAndPath[1]);
                    tftp.virtualFile(nameAndPath[0], () -> {
                        try {
                            return Files.readAllBytes(path);
                        } catch (IOException e) {
                            throw new UncheckedIOException("cannot read " + path + " for " + nameAndPath[0], e);
                        }
                    });
                }
                TftpServer server = tftp.build();
                server.start();
                servers.add(server);
            }
            if (flags.containsKey("--proxy-dhcp")) {
                InetAddress address = address(flags.get("--proxy-dhcp"));
                ProxyDhcpServer.Builder dhcp = ProxyDhcpServer.builder()
                        .bindAddress(address)
                        .bootServer(flags.containsKey("--boot-server") ? address(flags.get("--boot-server")) : address);
                if (flags.containsKey("--chain-url")) {
                    dhcp.chainUrl(flags.get("--chain-url"));
                }
                if (flags.containsKey("--uefi-boot-file")) {
                    dhcp.uefiBootFile(flags.get("--uefi-boot-file"));
                }
                if (flags.containsKey("--bios-boot-file")) {
                    dhcp.biosBootFile(flags.get("--bios-boot-file"));
                }
                if (flags.containsKey("--arm64-boot-file")) {
                    dhcp.arm64BootFile(flags.get("--arm64-boot-file"));
                }
                if (flags.containsKey("--http-boot-url")) {
                    dhcp.httpBootUrl(flags.get("--http-boot-url"));
                }
                Map<Integer, String> overrides = new HashMap<>();
                for (String spec : archFiles) {
                    String[] archAndFile = pair(spec, "--arch-boot-file");
                    overrides.put(Integer.parseInt(archAndFile[0]), archAndFile[1]);
                }
                ProxyDhcpServer server = dhcp.bootFileOverrides(overrides).build();
                server.start();
                servers.add(server);
                log.info("proxyDHCP listening on {} and {}", server.dhcpAddress(), server.pxeAddress());
            }
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        return started;
    }

    /** {@code ADDR:PORT}, with IPv6 addresses in brackets ({@code [::1]:69}). */
    public static InetSocketAddress socketAddress(String spec) {
        int colon = spec.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected ADDR:PORT, got " + spec);
        }
        String host = spec.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + spec, e);
        }
        return new InetSocketAddress(address(host), port);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + literal, e);
        }
    }

    private static boolean transport(String name) {
        return switch (name) {
            case "native" -> true;
            case "nio" -> false;
            default -> throw new IllegalArgumentException("--tftp-transport is native or nio, not " + name);
        };
    }

    private static String[] pair(String spec, String flag) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(flag + " expects KEY=VALUE, got " + spec);
        }
        return new String[] {spec.substring(0, eq), spec.substring(eq + 1)};
    }
}
