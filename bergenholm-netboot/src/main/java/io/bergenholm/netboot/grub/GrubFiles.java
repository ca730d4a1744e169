package io.bergenholm.netboot.grub;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.BergenholmException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.Resolution;
import io.bergenholm.engine.image.ImageHandle;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.netboot.http.RegistrationGate;
import io.bergenholm.netboot.http.TransportLimits;
import io.bergenholm.netboot.tftp.TftpContent;
import io.bergenholm.netboot.tftp.TftpProvider;
import io.bergenholm.netboot.tftp.TftpRefusal;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TFTP side of network boot through GRUB (the Secure Boot chain: shim, the distribution's
 * signed network GRUB, its signed kernel). That GRUB reads {@code grub/grub.cfg} from the TFTP
 * server and has no usable HTTP, so everything it needs comes over TFTP:
 *
 * <ul>
 *   <li>{@code grub/grub.cfg}: one generic config that finds the machine by its SMBIOS UUID and
 *       loads {@code bergenholm/grub/<uuid>.cfg};
 *   <li>{@code bergenholm/grub/<uuid>.cfg}: the template the host's {@value #GRUB_CONFIG} parameter
 *       names, rendered for it, as {@code ipxe_script} is for iPXE (an unknown machine resolves
 *       through the {@code register} record);
 *   <li>{@code bergenholm/register/<uuid>[?fact=value&...]}: registers an unknown machine with the
 *       facts given (manufacturer, product, serial, asset, hostname) and answers a one-line GRUB
 *       script; reading it again for a known machine changes nothing;
 *   <li>{@code bergenholm/kernel/<uuid>}, {@code bergenholm/initrd/<uuid>[/<n>]}, {@code
 *       bergenholm/module/<uuid>[/<n>]}: the host's images, through the same {@link ImageService}
 *       as the HTTP image routes (one upstream fetch per image, length and sha256 verified). A TFTP
 *       transfer announces its size and cannot be undone, so an image is sent only once it is
 *       complete and verified; a client asking for one still arriving waits for it.
 * </ul>
 *
 * <p>Every other name under {@code bergenholm/} is refused; other names are left to the next
 * source. Names are parsed strictly: a UUID in its canonical form (any case), known facts only,
 * printable values.
 */
public final class GrubFiles implements TftpProvider, AutoCloseable {
  /** The host parameter naming the GRUB template. */
  public static final String GRUB_CONFIG = "grub_config";

  /** The generic config GRUB loads first. */
  public static final String GENERIC_CONFIG = "grub/grub.cfg";

  static final String PREFIX = "bergenholm/";
  private static final Duration IMAGE_WAIT = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(GrubFiles.class);

  private final Bergenholm engine;
  private final Optional<ImageService> images;
  private final ThreadPoolExecutor workers;
  private final byte[] genericConfig;
  private final Map<String, CompletableFuture<TftpContent>> inProgress = new ConcurrentHashMap<>();
  private final RegistrationGate registrations;

  /**
   * @param images where kernels and initrds come from; without it their names are not found
   * @param maxWaiting requests worked on at once (rendering, registering, waiting for an image);
   *     more get a "server busy" error at once
   */
  public GrubFiles(Bergenholm engine, Optional<ImageService> images, int maxWaiting) {
    this(engine, images, maxWaiting, new RegistrationGate(engine, TransportLimits.defaults()));
  }

  /**
   * @param images where kernels and initrds come from; without it their names are not found
   * @param maxWaiting requests worked on at once (rendering, registering, waiting for an image);
   *     more get a "server busy" error at once
   * @param registrations what a registration through GRUB must pass (the same limits as {@code
   *     /ipxe/register}; share the HTTP server's gate to give an address one allowance)
   */
  public GrubFiles(
      Bergenholm engine,
      Optional<ImageService> images,
      int maxWaiting,
      RegistrationGate registrations) {
    this.engine = engine;
    this.registrations = registrations;
    this.images = images;
    this.workers =
        new ThreadPoolExecutor(
            0,
            maxWaiting,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            new DefaultThreadFactory("grub-files", true));
    this.genericConfig = genericConfig().getBytes(StandardCharsets.UTF_8);
  }

  /** What {@code grub/grub.cfg} holds. */
  static String genericConfig() {
    return """
                # Bergenholm: find this machine by its SMBIOS UUID and load the configuration made for it.
                set timeout=0
                smbios --type 1 --get-uuid 8 --set uuid
                echo "Bergenholm: machine ${uuid}"
                configfile /bergenholm/grub/${uuid}.cfg
                echo "Bergenholm: no configuration for ${uuid}; trying the next boot option"
                sleep 10
                exit
                """;
  }

  @Override
  public Optional<CompletionStage<TftpContent>> open(String name, InetSocketAddress peer) {
    if (name.equals(GENERIC_CONFIG)) {
      return Optional.of(CompletableFuture.completedFuture(TftpContent.bytes(genericConfig)));
    }
    if (!name.startsWith(PREFIX)) {
      return Optional.empty();
    }
    GrubName parsed = GrubName.parse(name.substring(PREFIX.length()));
    Supplier<TftpContent> work;
    if (parsed instanceof GrubName.Config c) {
      work = () -> text(hostConfig(c.uuid(), peer));
    } else if (parsed instanceof GrubName.Register r) {
      work = () -> text(register(r.uuid(), r.facts(), peer));
    } else {
      GrubName.Image i = (GrubName.Image) parsed;
      work = () -> image(i.uuid(), i.kind(), i.index());
    }
    // A client repeats its request while it waits (GRUB does, from the same port, for as long
    // as an image downloads): the first request's answer reaches it, the repeats are dropped
    // instead of each taking a worker and, later, a transfer.
    String key = peer + " " + name;
    CompletableFuture<TftpContent> mine = new CompletableFuture<>();
    if (inProgress.putIfAbsent(key, mine) != null) {
      return Optional.of(CompletableFuture.failedFuture(TftpRefusal.repeated(name)));
    }
    mine.whenComplete((content, failure) -> inProgress.remove(key, mine));
    try {
      CompletableFuture.supplyAsync(work, workers)
          .whenComplete(
              (content, failure) -> {
                if (failure == null) {
                  mine.complete(content);
                } else {
                  mine.completeExceptionally(failure);
                }
              });
    } catch (RejectedExecutionException e) {
      inProgress.remove(key, mine);
      throw TftpRefusal.failed(
          "server busy: " + workers.getMaximumPoolSize() + " GRUB requests in progress");
    }
    return Optional.of(mine);
  }

  private static TftpContent text(String text) {
    return TftpContent.bytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The host's {@value #GRUB_CONFIG} template, rendered for it, with a boot credential issued to
   * {@code peer}.
   */
  String hostConfig(String uuid, InetSocketAddress peer) {
    try {
      Resolution r = engine.resolveHost(uuid);
      String who =
          r.known() ? "host " + uuid : "unknown host " + uuid + " (resolved through 'register')";
      Object template =
          r.params()
              .get(GRUB_CONFIG)
              .orElseThrow(
                  () -> TftpRefusal.notFound(who + " has no '" + GRUB_CONFIG + "' parameter"));
      if (!(template instanceof String t) || t.isBlank()) {
        throw TftpRefusal.failed(
            who + ": '" + GRUB_CONFIG + "' must name a template, found " + template);
      }
      String rendered =
          engine
              .bootCredentials()
              .issueInto(engine.renderTemplate(t, uuid), uuid, peer.getAddress());
      // The renderer drops a template's last newline; GRUB's parser wants its last line ended.
      return rendered.endsWith("\n") ? rendered : rendered + "\n";
    } catch (NotFoundException e) {
      throw TftpRefusal.notFound(e.getMessage());
    } catch (BergenholmException e) {
      log.warn("GRUB config of {}: {}", uuid, e.getMessage());
      throw TftpRefusal.failed(e.getMessage());
    }
  }

  private String register(String uuid, Map<String, String> facts, InetSocketAddress peer) {
    Optional<RegistrationGate.Refusal> refused = registrations.admit(uuid, peer.getAddress());
    if (refused.isPresent()) {
      log.info(
          "refused registering {} from {} through GRUB: {}", uuid, peer, refused.get().message());
      throw TftpRefusal.failed(refused.get().message());
    }
    try {
      engine.register(uuid, facts);
      log.info("registered {} from {} through GRUB", uuid, peer);
      return "echo \"Bergenholm: registered " + uuid + "\"\n";
    } catch (AlreadyExistsException e) {
      return "echo \"Bergenholm: " + uuid + " is already known\"\n";
    } catch (BergenholmException e) {
      log.warn("registering {} through GRUB: {}", uuid, e.getMessage());
      throw TftpRefusal.failed(e.getMessage());
    }
  }

  private TftpContent image(String uuid, String kind, OptionalInt index) {
    ImageService service =
        images.orElseThrow(() -> TftpRefusal.notFound("this server streams no images"));
    ImageTarget target;
    ImageHandle handle;
    try {
      target = engine.imageTarget(uuid, kind, index);
      handle = service.open(uuid, target);
    } catch (NotFoundException e) {
      throw TftpRefusal.notFound(e.getMessage());
    } catch (BadInputException e) {
      log.warn("{}", e.getMessage());
      throw TftpRefusal.failed(e.getMessage());
    } catch (BergenholmException e) {
      throw TftpRefusal.failed(e.getMessage());
    }
    try {
      ImageHandle.State state = awaitEnd(handle);
      if (state instanceof ImageHandle.State.Complete complete) {
        return TftpContent.file(handle.channel(), complete.length(), () -> closeQuietly(handle));
      }
      String reason =
          state instanceof ImageHandle.State.Failed f
              ? f.cause().getMessage()
              : "not complete within " + IMAGE_WAIT.toMinutes() + " minutes";
      throw TftpRefusal.failed("image " + handle.url() + " for host " + uuid + ": " + reason);
    } catch (RuntimeException e) {
      closeQuietly(handle);
      throw e;
    }
  }

  /** Waits (on a worker) until the image is complete and verified, or has failed. */
  private static ImageHandle.State awaitEnd(ImageHandle handle) {
    Object signal = new Object();
    handle.onProgress(
        () -> {
          synchronized (signal) {
            signal.notifyAll();
          }
        });
    long deadline = System.nanoTime() + IMAGE_WAIT.toNanos();
    while (true) {
      ImageHandle.State state = handle.state();
      if (!(state instanceof ImageHandle.State.Receiving)) {
        return state;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return state;
      }
      synchronized (signal) {
        try {
          // Bounded, so a progress signal between state() and wait() costs at most this.
          signal.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw TftpRefusal.failed("interrupted waiting for " + handle.url());
        }
      }
    }
  }

  private static void closeQuietly(ImageHandle handle) {
    try {
      handle.close();
    } catch (IOException e) {
      log.warn("closing {} failed: {}", handle.url(), e.toString());
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }
}
