package io.bergenholm.power.ipmi;

import io.bergenholm.api.UpstreamException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IPMI v2.0 RMCP+ session with a BMC over UDP: Get Channel Authentication Capabilities, Open
 * Session, RAKP 1 to 4, Set Session Privilege Level, then encrypted and authenticated commands, and
 * Close Session on {@link #close()}.
 *
 * <p>Every exchange waits {@link IpmiSettings#timeout()} for its answer and sends the request again
 * up to {@link IpmiSettings#retries()} times; a resent command keeps its rqSeq (so a BMC can spot
 * the duplicate) and takes a new session sequence number (so it is not dropped as a replay).
 *
 * <p>A session belongs to one thread: it owns its socket and its counters.
 */
final class IpmiSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IpmiSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final int CMD_GET_CHANNEL_AUTH_CAPABILITIES = 0x38;
  static final int CMD_SET_SESSION_PRIVILEGE_LEVEL = 0x3b;
  private static final int CMD_CLOSE_SESSION = 0x3c;

  /** Channel "this one" with bit 7 asking for the IPMI v2.0 extended data. */
  private static final int CHANNEL_THIS_WITH_V2 = 0x8e;

  private static final int RAKP_STATUS_INVALID_INTEGRITY_CHECK = 0x0f;
  private static final int MAX_DATAGRAM = 1024;

  private final BmcEndpoint endpoint;
  private final IpmiSettings settings;
  private final DatagramSocket socket;
  private final byte[] receiveBuffer = new byte[MAX_DATAGRAM];
  private final int consoleSessionId;
  private int bmcSessionId;
  private SessionKeys keys;

  /**
   * The keys the BMC will use once it has accepted RAKP 3. A BMC that activated the session and
   * sees RAKP 3 again may answer with a RAKP 4 already inside the session, authenticated and
   * encrypted (ipmi_sim does); these keys let the client read it.
   */
  private SessionKeys pendingKeys;

  private int messageTag;
  private int rqSeq;
  private int outboundSequence;

  /** Last accepted inbound session sequence number; answers must count upwards from it. */
  private long inboundSequence;

  private boolean active;

  /** Set once an exchange went unanswered: closing then skips Close Session, not to wait again. */
  private boolean unresponsive;

  private IpmiSession(BmcEndpoint endpoint, IpmiSettings settings, DatagramSocket socket) {
    this.endpoint = endpoint;
    this.settings = settings;
    this.socket = socket;
    int id;
    do {
      id = RANDOM.nextInt();
    } while (id == 0);
    this.consoleSessionId = id;
  }

  /**
   * Opens and activates a session.
   *
   * @throws IpmiAuthenticationException if the BMC refuses user name or password
   * @throws UpstreamException if the BMC cannot be reached, does not answer in time or refuses
   */
  static IpmiSession open(BmcEndpoint endpoint, IpmiSettings settings) {
    InetAddress address;
    try {
      address = InetAddress.getByName(endpoint.host());
    } catch (UnknownHostException e) {
      throw new UpstreamException("cannot resolve BMC host '" + endpoint.host() + "'", e);
    }
    DatagramSocket socket;
    try {
      socket = new DatagramSocket();
      socket.connect(new InetSocketAddress(address, endpoint.port()));
    } catch (IOException e) {
      throw new UpstreamException(
          "cannot open a UDP socket to BMC " + endpoint.address() + ": " + e.getMessage(), e);
    }
    IpmiSession session = new IpmiSession(endpoint, settings, socket);
    try {
      session.establish();
      return session;
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  private void establish() {
    checkChannelCapabilities();
    openSession();
    authenticate();
    command(
        "Set Session Privilege Level",
        IpmiMessage.NETFN_APP,
        CMD_SET_SESSION_PRIVILEGE_LEVEL,
        new byte[] {(byte) endpoint.privilege()});
  }

  private void checkChannelCapabilities() {
    int seq = nextRqSeq();
    byte[] request =
        RmcpPacket.encodeV15(
            IpmiMessage.encodeRequest(
                IpmiMessage.NETFN_APP,
                seq,
                CMD_GET_CHANNEL_AUTH_CAPABILITIES,
                new byte[] {(byte) CHANNEL_THIS_WITH_V2, (byte) endpoint.privilege()}));
    IpmiMessage answer =
        exchange(
            "Get Channel Authentication Capabilities",
            () -> request,
            packet ->
                matchResponse(
                    packet, IpmiMessage.NETFN_APP, seq, CMD_GET_CHANNEL_AUTH_CAPABILITIES));
    requireSuccess("Get Channel Authentication Capabilities", answer);
    byte[] d = answer.data();
    boolean v2 = d.length >= 4 && (d[1] & 0x80) != 0 && (d[3] & 0x02) != 0;
    if (!v2) {
      throw new UpstreamException(
          "BMC " + endpoint.address() + " does not offer IPMI v2.0 (RMCP+) on this channel");
    }
  }

  private void openSession() {
    int tag = nextMessageTag();
    CipherSuite suite = endpoint.suite();
    byte[] p = new byte[32];
    p[0] = (byte) tag;
    // p[1] = 0: the highest privilege level that matches the proposed algorithms, as ipmitool asks
    Bytes.putLe32(p, 4, consoleSessionId);
    algorithm(p, 8, 0x00, suite.authenticationAlgorithm());
    algorithm(p, 16, 0x01, suite.integrityAlgorithm());
    algorithm(p, 24, 0x02, CipherSuite.AES_CBC_128);
    byte[] request = RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_OPEN_SESSION_REQUEST, p);
    byte[] r =
        exchange(
            "Open Session Request",
            () -> request,
            packet -> matchSetup(packet, RmcpPacket.PAYLOAD_OPEN_SESSION_RESPONSE, tag));
    checkSetupStatus("Open Session", r[1] & 0xff);
    if (r.length < 36) {
      throw new UpstreamException(
          "BMC " + endpoint.address() + " sent a truncated Open Session Response");
    }
    if ((r[16] & 0xff) != suite.authenticationAlgorithm()
        || (r[24] & 0xff) != suite.integrityAlgorithm()
        || (r[32] & 0xff) != CipherSuite.AES_CBC_128) {
      throw new UpstreamException(
          "BMC "
              + endpoint.address()
              + " answered the Open Session Request with algorithms other than cipher suite "
              + suite.id()
              + "'s");
    }
    bmcSessionId = Bytes.le32(r, 8);
  }

  private static void algorithm(byte[] p, int at, int payloadType, int algorithm) {
    p[at] = (byte) payloadType;
    p[at + 3] = 0x08;
    p[at + 4] = (byte) algorithm;
  }

  private void authenticate() {
    byte[] consoleRandom = new byte[16];
    RANDOM.nextBytes(consoleRandom);
    byte[] user = endpoint.user().getBytes(StandardCharsets.UTF_8);
    int role = endpoint.privilege() | 0x10;
    int tag1 = nextMessageTag();
    byte[] rakp1 = new byte[28 + user.length];
    rakp1[0] = (byte) tag1;
    Bytes.putLe32(rakp1, 4, bmcSessionId);
    System.arraycopy(consoleRandom, 0, rakp1, 8, 16);
    rakp1[24] = (byte) role;
    rakp1[27] = (byte) user.length;
    System.arraycopy(user, 0, rakp1, 28, user.length);
    byte[] request1 = RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_RAKP_1, rakp1);
    CipherSuite suite = endpoint.suite();
    byte[] r2 =
        exchange(
            "RAKP Message 1",
            () -> request1,
            packet -> matchSetup(packet, RmcpPacket.PAYLOAD_RAKP_2, tag1));
    int status = r2[1] & 0xff;
    if (status == 0x0d || status == 0x0a || status == 0x09) {
      throw new IpmiAuthenticationException(
          endpoint,
          "the BMC refused the user name or its privilege level: "
              + CompletionCodes.describeRmcpStatus(status));
    }
    checkSetupStatus("RAKP Message 2", status);
    if (r2.length < 40 + suite.hmacLength()) {
      throw new UpstreamException("BMC " + endpoint.address() + " sent a truncated RAKP Message 2");
    }
    byte[] bmcRandom = Arrays.copyOfRange(r2, 8, 24);
    byte[] bmcGuid = Arrays.copyOfRange(r2, 24, 40);
    Rakp rakp =
        new Rakp(
            suite,
            endpoint.password(),
            Bytes.le32(consoleSessionId),
            Bytes.le32(bmcSessionId),
            consoleRandom,
            bmcRandom,
            bmcGuid,
            role,
            endpoint.user());
    byte[] claimed = Arrays.copyOfRange(r2, 40, 40 + suite.hmacLength());
    int tag3 = nextMessageTag();
    if (!Rakp.matches(rakp.rakp2AuthCode(), claimed)) {
      // Tell the BMC to drop the half-open session; it does not answer this.
      send(
          RmcpPacket.encodeV2(
              RmcpPacket.PAYLOAD_RAKP_3,
              rakp3(tag3, RAKP_STATUS_INVALID_INTEGRITY_CHECK, new byte[0])));
      throw new IpmiAuthenticationException(
          endpoint, "the BMC's RAKP 2 key exchange code does not match this password");
    }
    byte[] request3 =
        RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_RAKP_3, rakp3(tag3, 0, rakp.rakp3AuthCode()));
    byte[] r4;
    pendingKeys = rakp.sessionKeys();
    try {
      r4 =
          exchange(
              "RAKP Message 3",
              () -> request3,
              packet -> matchSetup(packet, RmcpPacket.PAYLOAD_RAKP_4, tag3));
    } catch (IpmiTimeoutException e) {
      // A BMC that activated the session and whose RAKP 4 was lost may ignore a repeated RAKP 3.
      // RAKP 2 has already proven the BMC knows the password; the session's
      // first command, whose answer must carry a valid K1 AuthCode, now shows whether the BMC
      // derived the same keys, i.e. activated the session.
      log.debug("{}: no RAKP 4; trying the session anyway: {}", endpoint, e.getMessage());
      keys = rakp.sessionKeys();
      active = true;
      unresponsive = false;
      return;
    }
    int status4 = r4[1] & 0xff;
    if (status4 == 0x0f || status4 == 0x0d) {
      throw new IpmiAuthenticationException(
          endpoint,
          "the BMC rejected the RAKP 3 key exchange code: "
              + CompletionCodes.describeRmcpStatus(status4));
    }
    checkSetupStatus("RAKP Message 4", status4);
    byte[] icv = Arrays.copyOfRange(r4, 8, Math.min(r4.length, 8 + suite.integrityLength()));
    if (!Rakp.matches(rakp.rakp4CheckValue(), icv)) {
      throw new UpstreamException(
          "BMC "
              + endpoint.address()
              + " sent a RAKP 4 integrity check value that does not match the session keys");
    }
    keys = rakp.sessionKeys();
    active = true;
  }

  private byte[] rakp3(int tag, int status, byte[] authCode) {
    byte[] m = new byte[8 + authCode.length];
    m[0] = (byte) tag;
    m[1] = (byte) status;
    Bytes.putLe32(m, 4, bmcSessionId);
    System.arraycopy(authCode, 0, m, 8, authCode.length);
    return m;
  }

  /**
   * Sends a command inside the session and returns the BMC's answer, whatever its completion code.
   *
   * @param what the command's name, for error messages
   */
  IpmiMessage call(String what, int netFn, int command, byte[] data) {
    if (!active) {
      throw new IllegalStateException("session is not active");
    }
    int seq = nextRqSeq();
    byte[] message = IpmiMessage.encodeRequest(netFn, seq, command, data);
    return exchange(
        what,
        () ->
            RmcpPacket.encodeV2(
                RmcpPacket.PAYLOAD_IPMI, bmcSessionId, nextOutboundSequence(), message, keys),
        packet -> matchResponse(packet, netFn, seq, command));
  }

  /**
   * Sends a command and returns its response data.
   *
   * @throws IpmiCommandException if the completion code is not success
   */
  byte[] command(String what, int netFn, int command, byte[] data) {
    IpmiMessage answer = call(what, netFn, command, data);
    requireSuccess(what, answer);
    return answer.data();
  }

  private void requireSuccess(String what, IpmiMessage answer) {
    if (answer.completionCode() != 0) {
      throw new IpmiCommandException(
          "BMC "
              + endpoint.address()
              + " refused "
              + what
              + ": "
              + CompletionCodes.describe(
                  answer.command(), answer.netFn() - 1, answer.completionCode()),
          answer.completionCode());
    }
  }

  private void checkSetupStatus(String what, int status) {
    if (status != 0) {
      throw new UpstreamException(
          "BMC "
              + endpoint.address()
              + " refused the session at "
              + what
              + ": "
              + CompletionCodes.describeRmcpStatus(status));
    }
  }

  private Optional<IpmiMessage> matchResponse(RmcpPacket packet, int netFn, int seq, int command)
      throws MalformedPacketException {
    if (packet.payloadType() != RmcpPacket.PAYLOAD_IPMI) {
      return Optional.empty();
    }
    if (active) {
      // inside the session only authenticated answers to this session count
      if (!packet.authenticated() || packet.sessionId() != consoleSessionId) {
        return Optional.empty();
      }
      long sequence = Integer.toUnsignedLong(packet.sequence());
      if (sequence <= inboundSequence) {
        return Optional.empty();
      }
      inboundSequence = sequence;
    }
    IpmiMessage m = IpmiMessage.decodeResponse(packet.payload());
    if (m.netFn() != netFn + 1 || m.rqSeq() != seq || m.command() != command) {
      return Optional.empty();
    }
    return Optional.of(m);
  }

  /** Setup answers carry the request's message tag, a status and, from byte 4, our session id. */
  private Optional<byte[]> matchSetup(RmcpPacket packet, int payloadType, int tag) {
    byte[] p = packet.payload();
    if (packet.payloadType() != payloadType || p.length < 2 || (p[0] & 0xff) != tag) {
      return Optional.empty();
    }
    // an error answer may stop after tag and status (ipmi_sim's do)
    if ((p[1] & 0xff) == 0 && (p.length < 8 || Bytes.le32(p, 4) != consoleSessionId)) {
      return Optional.empty();
    }
    return Optional.of(p);
  }

  @FunctionalInterface
  private interface Matcher<T> {
    Optional<T> match(RmcpPacket packet) throws MalformedPacketException;
  }

  private <T> T exchange(String what, Supplier<byte[]> request, Matcher<T> matcher) {
    long timeoutNanos = settings.timeout().toNanos();
    long started = System.nanoTime();
    for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
      send(request.get());
      long deadline = System.nanoTime() + timeoutNanos;
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        Optional<RmcpPacket> packet = receive(left, what);
        if (packet.isEmpty()) {
          continue;
        }
        try {
          Optional<T> answer = matcher.match(packet.get());
          if (answer.isPresent()) {
            log.debug(
                "{}: {} answered in {} µs (attempt {})",
                endpoint,
                what,
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started),
                attempt);
            return answer.get();
          }
          log.debug("{}: dropped an unrelated packet while waiting for {}", endpoint, what);
        } catch (MalformedPacketException e) {
          log.debug(
              "{}: dropped a malformed packet while waiting for {}: {}",
              endpoint,
              what,
              e.getMessage());
        }
      }
      log.debug(
          "{}: no answer to {} within {} ms (attempt {} of {})",
          endpoint,
          what,
          settings.timeout().toMillis(),
          attempt,
          settings.attempts());
    }
    unresponsive = true;
    throw new IpmiTimeoutException(
        "BMC "
            + endpoint.address()
            + " did not answer "
            + what
            + " within "
            + settings.timeout().toMillis()
            + " ms ("
            + settings.attempts()
            + (settings.attempts() == 1 ? " attempt)" : " attempts)"));
  }

  private Optional<RmcpPacket> receive(long waitNanos, String what) {
    DatagramPacket datagram = new DatagramPacket(receiveBuffer, receiveBuffer.length);
    try {
      socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
      socket.receive(datagram);
    } catch (SocketTimeoutException e) {
      return Optional.empty();
    } catch (PortUnreachableException e) {
      throw new UpstreamException(
          "BMC "
              + endpoint.address()
              + " is unreachable: nothing listens"
              + " on that UDP port (ICMP port unreachable while waiting for "
              + what
              + ")",
          e);
    } catch (IOException e) {
      throw new UpstreamException(
          "cannot receive from BMC " + endpoint.address() + ": " + e.getMessage(), e);
    }
    try {
      return Optional.of(
          RmcpPacket.decode(
              datagram.getData(),
              datagram.getLength(),
              Optional.ofNullable(keys != null ? keys : pendingKeys)));
    } catch (MalformedPacketException e) {
      log.debug(
          "{}: dropped a malformed packet while waiting for {}: {}",
          endpoint,
          what,
          e.getMessage());
      return Optional.empty();
    }
  }

  private void send(byte[] packet) {
    try {
      socket.send(new DatagramPacket(packet, packet.length));
    } catch (PortUnreachableException e) {
      throw new UpstreamException(
          "BMC "
              + endpoint.address()
              + " is unreachable: nothing listens"
              + " on that UDP port (ICMP port unreachable)",
          e);
    } catch (IOException e) {
      throw new UpstreamException(
          "cannot send to BMC " + endpoint.address() + ": " + e.getMessage(), e);
    }
  }

  private int nextRqSeq() {
    rqSeq = (rqSeq + 1) & 0x3f;
    return rqSeq;
  }

  private int nextMessageTag() {
    messageTag = (messageTag + 1) & 0xff;
    return messageTag;
  }

  private int nextOutboundSequence() {
    outboundSequence++;
    if (outboundSequence == 0) {
      // zero marks packets outside a session; a session this long-lived does not happen
      outboundSequence = 1;
    }
    return outboundSequence;
  }

  /**
   * Closes the session on the BMC (so that it does not hold one of its few session slots until its
   * idle timeout) and the socket. A failing Close Session is logged, not thrown: the command that
   * ran in the session has already had its effect.
   */
  @Override
  public void close() {
    try {
      if (active) {
        active = closeOnBmc();
      }
    } finally {
      socket.close();
    }
  }

  private boolean closeOnBmc() {
    if (unresponsive) {
      log.debug("{}: not closing the session of a BMC that stopped answering", endpoint);
      return false;
    }
    try {
      IpmiMessage answer =
          call("Close Session", IpmiMessage.NETFN_APP, CMD_CLOSE_SESSION, Bytes.le32(bmcSessionId));
      if (answer.completionCode() != 0) {
        log.warn(
            "{}: Close Session answered {}",
            endpoint,
            CompletionCodes.describe(
                CMD_CLOSE_SESSION, IpmiMessage.NETFN_APP, answer.completionCode()));
      }
    } catch (UpstreamException e) {
      // also the case when the BMC closed the session but its answer was lost: it then ignores
      // the resent Close Session
      log.warn(
          "{}: no confirmation that the IPMI session was closed; if it was not, the BMC"
              + " drops it when it times out: {}",
          endpoint,
          e.getMessage());
    }
    return false;
  }
}
