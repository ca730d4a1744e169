package io.bergenholm.power.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A BMC that never answers, a port nobody listens on, and a network that loses datagrams. */
class IpmiTimeoutAndRetransmissionTest {
  private static final Logger log = LoggerFactory.getLogger(IpmiTimeoutAndRetransmissionTest.class);

  @TempDir Path tmp;

  private static PowerTarget target(int port) {
    return new PowerTarget(
        "host-under-test",
        Params.of(
            Map.of(
                "ipmi_host",
                "127.0.0.1",
                "ipmi_port",
                Integer.toString(port),
                "ipmi_user",
                IpmiSimulator.USER,
                "ipmi_password",
                IpmiSimulator.PASSWORD)));
  }

  private static PowerDriver driver(long timeoutMs, int retries) {
    return TestProviderContext.instantiate(
        new IpmiDriverProvider(),
        Map.of("timeout_ms", Long.toString(timeoutMs), "retries", Integer.toString(retries)));
  }

  @Test
  void aBmcThatNeverAnswersFailsWithinTheConfiguredTimeout() throws Exception {
    AtomicInteger received = new AtomicInteger();
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      Thread sink =
          new Thread(
              () -> {
                byte[] buf = new byte[1024];
                while (!silent.isClosed()) {
                  try {
                    silent.receive(new DatagramPacket(buf, buf.length));
                    received.incrementAndGet();
                  } catch (IOException e) {
                    return; // closed at the end of the test
                  }
                }
              },
              "silent-bmc");
      sink.setDaemon(true);
      sink.start();

      long t0 = System.nanoTime();
      assertThatThrownBy(() -> driver(200, 2).status(target(silent.getLocalPort())))
          .isInstanceOf(UpstreamException.class)
          .hasMessage(
              "BMC 127.0.0.1:"
                  + silent.getLocalPort()
                  + " did not answer Get Channel"
                  + " Authentication Capabilities within 200 ms (3 attempts)");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      log.info("silent BMC: failed after {} ms with timeout 200 ms × 3 attempts", ms);
      assertThat(ms).isBetween(600L, 600L + 1500L);
      assertThat(received.get()).as("request and its two resends").isEqualTo(3);
    }
  }

  @Test
  void aPortNobodyListensOnFailsAtOnce() throws Exception {
    int port = IpmiSimulator.freeUdpPort();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> driver(1000, 2).status(target(port)))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("BMC 127.0.0.1:" + port + " is unreachable: nothing listens");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
  }

  @Test
  void aLostFirstRequestIsSentAgain() throws Exception {
    try (IpmiSimulator bmc = IpmiSimulator.start(tmp);
        UdpRelay relay =
            new UdpRelay(bmc.port(), (dir, i, d) -> dir == UdpRelay.Direction.TO_BMC && i == 0)) {
      bmc.setState("power", "1");
      long t0 = System.nanoTime();
      assertThat(driver(300, 2).status(target(relay.port()))).isEqualTo(PowerState.ON);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      log.info("first request lost: status answered after {} ms (timeout 300 ms)", ms);
      assertThat(relay.dropped()).containsExactly("TO_BMC #0 (23 bytes)");
      assertThat(ms).isGreaterThanOrEqualTo(300);
    }
  }

  @Test
  void aLostCommandAnswerMakesTheClientResendWithTheSameRqSeq() throws Exception {
    // To the client: #0 channel capabilities, #1 open session, #2 RAKP 2, #3 RAKP 4,
    // #4 set session privilege, #5 the Chassis Control answer (lost), #6 its answer again.
    try (IpmiSimulator bmc = IpmiSimulator.start(tmp);
        UdpRelay relay =
            new UdpRelay(
                bmc.port(), (dir, i, d) -> dir == UdpRelay.Direction.TO_CLIENT && i == 5)) {
      driver(300, 2).perform(target(relay.port()), PowerAction.ON);
      assertThat(relay.dropped()).hasSize(1);
      // ipmi_sim ran the duplicate as well; powering on twice is harmless
      assertThat(bmc.chassisCalls()).containsSubsequence("0x20 set power 1", "0x20 set power 1");
      assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
      assertThat(bmc.ipmitool("session", "info", "active"))
          .containsPattern("active sessions\\s*: 1\\R");
    }
  }

  @Test
  void aBmcThatFallsSilentInsideTheSessionFailsWithinOneExchangeBound() throws Exception {
    // answers #0-#4 set the session up; from the Chassis Control answer on, nothing comes back
    try (IpmiSimulator bmc = IpmiSimulator.start(tmp);
        UdpRelay relay =
            new UdpRelay(
                bmc.port(), (dir, i, d) -> dir == UdpRelay.Direction.TO_CLIENT && i >= 5)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> driver(200, 2).perform(target(relay.port()), PowerAction.ON))
          .isInstanceOf(UpstreamException.class)
          .hasMessage(
              "BMC 127.0.0.1:"
                  + relay.port()
                  + " did not answer Chassis Control power up"
                  + " within 200 ms (3 attempts)");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      log.info("BMC silent after session setup: failed after {} ms", ms);
      // three tries of one exchange, and no Close Session waited for afterwards
      assertThat(ms).isBetween(600L, 1200L);
      // 5 datagrams set the session up, then Chassis Control three times, and nothing else
      assertThat(relay.forwardedToBmc()).isEqualTo(5 + 3);
    }
  }

  @Test
  void aLostRakp4IsRecoveredAndThatSessionClosed() throws Exception {
    // To the client: #0 capabilities, #1 open session, #2 RAKP 2, #3 RAKP 4 (lost). ipmi_sim
    // answers the resent RAKP 3 with a RAKP 4 inside the now active session.
    try (IpmiSimulator bmc = IpmiSimulator.start(tmp);
        UdpRelay relay =
            new UdpRelay(
                bmc.port(), (dir, i, d) -> dir == UdpRelay.Direction.TO_CLIENT && i == 3)) {
      bmc.setState("power", "1");
      assertThat(driver(200, 2).status(target(relay.port()))).isEqualTo(PowerState.ON);
      assertThat(relay.dropped()).containsExactly("TO_CLIENT #3 (36 bytes)");
      assertThat(bmc.ipmitool("session", "info", "active"))
          .containsPattern("active sessions\\s*: 1\\R");
    }
  }

  @Test
  void callsSucceedOverALossyLinkWithASeededLossPattern() throws Exception {
    long seed = 20261125L;
    Random random = new Random(seed);
    try (IpmiSimulator bmc = IpmiSimulator.start(tmp);
        UdpRelay relay =
            new UdpRelay(
                bmc.port(),
                (dir, i, d) -> {
                  synchronized (random) {
                    return random.nextInt(100) < 20;
                  }
                })) {
      PowerDriver driver = driver(150, 5);
      PowerTarget target = target(relay.port());
      try {
        driver.perform(target, PowerAction.NETWORK_BOOT_NEXT);
        driver.perform(target, PowerAction.ON);
        assertThat(driver.status(target)).isEqualTo(PowerState.ON);
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError("seed " + seed + ", lost " + relay.dropped(), e);
      }
      log.info(
          "seed {}: lost {} of {} datagrams to the BMC and back: {}",
          seed,
          relay.dropped().size(),
          relay.forwardedToBmc(),
          relay.dropped());
      assertThat(relay.dropped()).isNotEmpty();
      assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
      assertThat(bmc.ipmitool("chassis", "bootparam", "get", "5"))
          .contains("Boot Device Selector : Force PXE");
    }
  }
}
