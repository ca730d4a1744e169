package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.UnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boot credentials: what lets a machine being installed read its own kickstart and mark itself
 * installed without a management token, and nobody else.
 *
 * <p>A host's iPXE script and its GRUB config are served to anyone who names the host, as network
 * boot requires, so a credential that only depended on the host would be readable by anyone who
 * knows a UUID. A credential is therefore issued per boot, when a script is served: it names the
 * host, the time it was issued and the address it was issued to ({@value #BINDING}: the address
 * itself, its subnet, or none), signed with {@code HMAC-SHA256} under the server secret, and is
 * accepted only
 *
 * <ul>
 *   <li>for that host,
 *   <li>from an address that matches the one it was issued to (by default the same /24 or /64, so
 *       an installer that gets another lease on the same segment still works, and a machine on
 *       another segment is refused),
 *   <li>within {@value #LIFETIME} minutes of its issue (default 360),
 *   <li>until its host is marked installed: a credential issued before the host's last installed
 *       mark (the {@code installed_at} the engine writes into the host record, which every replica
 *       sharing the store reads) is spent; {@link #spend} also retires the one that marked, at
 *       once, in this process.
 * </ul>
 *
 * <p>Nothing is stored per credential (the host record keeps only the time of its last installed
 * mark). Templates see the computed parameter {@value #PARAMETER} as a {@linkplain #placeholder()
 * placeholder} (so resolutions and renders stay cacheable), and the transports put the credential
 * in its place as they serve the text: {@link #issueInto} for a booting machine, {@link #withToken}
 * to pass on a credential that was presented. A template must therefore use {@value #PARAMETER}
 * verbatim; a transformed value ({@code |upper}) is no credential.
 *
 * <p>The secret comes from {@value #SECRET_FILE} (a file created with 32 random bytes and mode 0600
 * when it does not exist), or {@value #SECRET} (the secret itself, for embedding). Every replica
 * sharing one store must use the same secret, and it must survive restarts, or machines booted by
 * one replica are refused by another; without either setting the engines of this process share a
 * random secret made at first use, which lasts until the process stops, and warn.
 */
public final class BootCredentials {
  /** The computed parameter that holds a host's credential. */
  public static final String PARAMETER = "boot_token";

  /** Setting: the secret itself (at least 32 characters). */
  public static final String SECRET = "boot.secret";

  /** Setting: a file holding the secret, created if missing. */
  public static final String SECRET_FILE = "boot.secret_file";

  /** Setting: minutes a credential is accepted after its issue (default 360). */
  public static final String LIFETIME = "boot.credential_minutes";

  /**
   * Setting: what a credential is bound to: {@code subnet} (default: the issuing address's /24 for
   * IPv4, /64 for IPv6), {@code address} (that address only), or {@code none} (any address).
   */
  public static final String BINDING = "boot.credential_binding";

  /** What a credential is bound to (see {@value #BINDING}). */
  public enum Binding {
    /** The address it was issued to. */
    ADDRESS,
    /** The /24 (IPv4) or /64 (IPv6) of the address it was issued to. */
    SUBNET,
    /** Any address: lifetime and spending only. */
    NONE
  }

  /** Why a credential was accepted or not. */
  public enum Verdict {
    /** Accepted. */
    VALID,
    /** Absent, malformed, for another host, or not signed with this server's secret. */
    INVALID,
    /** Presented from an address it was not issued to. */
    OTHER_ADDRESS,
    /** Older than its lifetime, or issued in the future. */
    EXPIRED,
    /** Already used to mark the host installed. */
    SPENT
  }

  private static final Logger log = LoggerFactory.getLogger(BootCredentials.class);
  private static final int MIN_SECRET_CHARS = 32;
  private static final Duration DEFAULT_LIFETIME = Duration.ofHours(6);
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final String ANY = "any";
  private static final Pattern TOKEN =
      Pattern.compile("([0-9a-z]{1,12})\\.(any|[0-9a-f]{8}|[0-9a-f]{32})\\.([A-Za-z0-9_-]{43})");
  static final int MAX_SPENT = 100_000;

  private final SecretKeySpec key;
  private final Duration lifetime;
  private final Binding binding;
  private final Clock clock;
  private final String placeholder;
  private final Map<String, Instant> spent = new ConcurrentHashMap<>();
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  private BootCredentials(byte[] secret, Duration lifetime, Binding binding, Clock clock) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.lifetime = lifetime;
    this.binding = binding;
    this.clock = clock;
    // The same for every engine with this secret (replicas render the same text), and no
    // credential: it lacks the credential's shape.
    this.placeholder =
        "bootcredential" + sign("", "placeholder", "0").replace('-', 'x').replace('_', 'y');
  }

  /** A credential source with this secret (at least 32 bytes). */
  public static BootCredentials withSecret(byte[] secret) {
    if (secret.length < MIN_SECRET_CHARS) {
      throw new BadInputException(
          "the boot secret must have at least "
              + MIN_SECRET_CHARS
              + " bytes, found "
              + secret.length);
    }
    return new BootCredentials(secret.clone(), DEFAULT_LIFETIME, Binding.SUBNET, Clock.systemUTC());
  }

  /** The same secret, with another lifetime, binding or clock. */
  public BootCredentials with(Duration lifetime, Binding binding, Clock clock) {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new BadInputException("a boot credential's lifetime must be positive: " + lifetime);
    }
    return new BootCredentials(key.getEncoded(), lifetime, binding, clock);
  }

  /** From the engine settings {@value #SECRET} or {@value #SECRET_FILE} (see the class comment). */
  static BootCredentials fromConfig(Map<String, String> config) {
    return secretFromConfig(config)
        .with(lifetimeFrom(config), bindingFrom(config), Clock.systemUTC());
  }

  private static Duration lifetimeFrom(Map<String, String> config) {
    String value = config.get(LIFETIME);
    if (value == null) {
      return DEFAULT_LIFETIME;
    }
    try {
      long minutes = Long.parseLong(value.strip());
      if (minutes < 1 || minutes > 60L * 24 * 30) {
        throw new NumberFormatException();
      }
      return Duration.ofMinutes(minutes);
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "setting '" + LIFETIME + "': minutes from 1 to 43200 expected, found '" + value + "'");
    }
  }

  private static Binding bindingFrom(Map<String, String> config) {
    String value = config.get(BINDING);
    if (value == null) {
      return Binding.SUBNET;
    }
    return switch (value.strip()) {
      case "subnet" -> Binding.SUBNET;
      case "address" -> Binding.ADDRESS;
      case "none" -> Binding.NONE;
      default ->
          throw new BadInputException(
              "setting '"
                  + BINDING
                  + "': one of subnet, address, none expected, found '"
                  + value
                  + "'");
    };
  }

  private static BootCredentials secretFromConfig(Map<String, String> config) {
    String literal = config.get(SECRET);
    String file = config.get(SECRET_FILE);
    if (literal != null && file != null) {
      throw new BadInputException(
          "set one of '" + SECRET + "' and '" + SECRET_FILE + "', not both");
    }
    if (literal != null) {
      try {
        return withSecret(literal.strip().getBytes(StandardCharsets.UTF_8));
      } catch (BadInputException e) {
        throw new BadInputException("setting '" + SECRET + "': " + e.getMessage(), e);
      }
    }
    if (file != null) {
      return fromFile(Path.of(file.strip()));
    }
    log.warn(
        "no '{}' set: boot credentials (the {} in kickstart and installed URLs) come from a random secret "
            + "that lasts until this process stops and that other replicas do not share",
        SECRET_FILE,
        PARAMETER);
    return withSecret(ProcessSecret.VALUE);
  }

  /** One random secret per process, so that engines over one store in one process agree. */
  private static final class ProcessSecret {
    static final byte[] VALUE = randomSecret().getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads the secret file, creating it (0600, 32 random bytes in base64) if it does not exist. */
  static BootCredentials fromFile(Path file) {
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
      try {
        return withSecret(secret.getBytes(StandardCharsets.UTF_8));
      } catch (BadInputException e) {
        throw new BadInputException("boot secret file " + file + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UnavailableException(
          "cannot read or create the boot secret file " + file + ": " + e, e);
    }
  }

  private static void create(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException raced) {
      return; // another replica or process made it first: use theirs
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(
        file,
        randomSecret() + "\n",
        StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
    log.info("created the boot secret file {}", file);
  }

  private static String randomSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** How long a credential is accepted after its issue. */
  public Duration lifetime() {
    return lifetime;
  }

  /** What a credential is bound to. */
  public Binding binding() {
    return binding;
  }

  /**
   * What templates see as {@value #PARAMETER}: a string made from the secret that is no credential,
   * replaced by one as the text is served ({@link #issueInto}, {@link #withToken}).
   */
  public String placeholder() {
    return placeholder;
  }

  /** A credential for host {@code hostId}, issued now to {@code client}. */
  public String issue(String hostId, InetAddress client) {
    return issue(hostId, client, clock.instant());
  }

  /** A credential for host {@code hostId}, issued at {@code issued} to {@code client}. */
  public String issue(String hostId, InetAddress client, Instant issued) {
    Objects.requireNonNull(hostId, "hostId");
    String time = Long.toString(issued.getEpochSecond(), 36);
    String boundTo = bound(client);
    return time + "." + boundTo + "." + sign(hostId, boundTo, time);
  }

  /** {@code text} with every placeholder replaced by a credential issued now to {@code client}. */
  public String issueInto(String text, String hostId, InetAddress client) {
    if (!text.contains(placeholder)) {
      return text;
    }
    return text.replace(placeholder, issue(hostId, client));
  }

  /** {@code text} with every placeholder replaced by {@code token}, a credential presented. */
  public String withToken(String text, String token) {
    return text.replace(placeholder, token);
  }

  /**
   * Whether {@code token}, presented from {@code from}, is a credential of host {@code hostId} that
   * is still good; compared in constant time.
   */
  public Verdict check(String hostId, String token, InetAddress from) {
    return check(hostId, token, from, Optional::empty);
  }

  /**
   * As {@link #check(String, String, InetAddress)}, and a credential issued before {@code
   * markedInstalled} (the host's last installed mark, in whole seconds) is {@link Verdict#SPENT}:
   * the mark retired it, whichever replica took the mark. The mark is asked for (a store read) only
   * once signature, address and lifetime have passed, so a forged or stale credential costs no
   * read.
   */
  public Verdict check(
      String hostId, String token, InetAddress from, Supplier<Optional<Instant>> markedInstalled) {
    if (token == null || hostId == null) {
      return Verdict.INVALID;
    }
    Matcher m = TOKEN.matcher(token);
    if (!m.matches()) {
      return Verdict.INVALID;
    }
    String time = m.group(1);
    String boundTo = m.group(2);
    byte[] presented = m.group(3).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(
        sign(hostId, boundTo, time).getBytes(StandardCharsets.US_ASCII), presented)) {
      return Verdict.INVALID;
    }
    if (!boundTo.equals(bound(from))) {
      return Verdict.OTHER_ADDRESS;
    }
    long seconds;
    try {
      seconds = Long.parseLong(time, 36);
    } catch (NumberFormatException e) {
      return Verdict.INVALID;
    }
    Instant issued = Instant.ofEpochSecond(seconds);
    Instant now = clock.instant();
    if (issued.isAfter(now.plus(CLOCK_SKEW)) || issued.plus(lifetime).isBefore(now)) {
      return Verdict.EXPIRED;
    }
    if (spent.containsKey(token)
        // Both in whole seconds: one issued in the second of the mark is still good (an install
        // takes minutes, so that is a credential issued after the mark, not the one that made it).
        || markedInstalled.get().filter(issued::isBefore).isPresent()) {
      return Verdict.SPENT;
    }
    return Verdict.VALID;
  }

  /**
   * What a credential is bound to, for messages: an address, a subnet, or "any address"; empty if
   * it is not shaped like a credential. Not a check (see {@link #check}).
   */
  public Optional<String> boundTo(String token) {
    Matcher m = token == null ? null : TOKEN.matcher(token);
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    String hex = m.group(2);
    if (hex.equals(ANY)) {
      return Optional.of("any address");
    }
    byte[] a = new byte[hex.length() / 2];
    for (int i = 0; i < a.length; i++) {
      a[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    try {
      String address = InetAddress.getByAddress(a).getHostAddress();
      return Optional.of(
          binding == Binding.SUBNET ? address + (a.length == 4 ? "/24" : "/64") : address);
    } catch (java.net.UnknownHostException e) {
      return Optional.empty();
    }
  }

  /**
   * Retires {@code token}: it marked its host installed and is accepted for nothing more. Kept
   * until it would have expired anyway; at most {@value #MAX_SPENT} are remembered.
   */
  public void spend(String token) {
    Matcher m = TOKEN.matcher(token);
    if (!m.matches()) {
      return;
    }
    Instant until =
        Instant.ofEpochSecond(Long.parseLong(m.group(1), 36)).plus(lifetime).plus(CLOCK_SKEW);
    Instant now = clock.instant();
    if (spent.size() >= MAX_SPENT) {
      spent.values().removeIf(expiry -> expiry.isBefore(now));
      if (spent.size() >= MAX_SPENT) {
        log.warn(
            "{} boot credentials spent within their lifetime; forgetting the one that expires first",
            MAX_SPENT);
        spent.entrySet().stream()
            .min(Map.Entry.comparingByValue())
            .ifPresent(e -> spent.remove(e.getKey()));
      }
    }
    spent.put(token, until);
  }

  /** How many spent credentials are remembered. */
  int spentCount() {
    return spent.size();
  }

  private String bound(InetAddress client) {
    if (client == null || binding == Binding.NONE) {
      return ANY;
    }
    byte[] a = client.getAddress();
    if (a.length == 16 && isV4Mapped(a)) {
      a = Arrays.copyOfRange(a, 12, 16);
    }
    if (binding == Binding.SUBNET) {
      int keep = a.length == 4 ? 3 : 8;
      a = Arrays.copyOf(Arrays.copyOf(a, keep), a.length);
    }
    StringBuilder sb = new StringBuilder(a.length * 2);
    for (byte b : a) {
      sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return sb.toString();
  }

  private static boolean isV4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
  }

  private String sign(String hostId, String boundTo, String time) {
    // One initialised Mac per thread: looking one up and keying it cost more than the HMAC itself
    // on the boot path, where every script served signs a credential.
    Mac mac = macs.get();
    byte[] digest =
        mac.doFinal(
            ("bergenholm-boot-2\0" + hostId + "\0" + boundTo + "\0" + time)
                .getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }
}
