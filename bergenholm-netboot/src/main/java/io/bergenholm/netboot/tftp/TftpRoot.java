package io.bergenholm.netboot.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A read-only folder of boot files, opened by names that clients send (TFTP read requests, the HTTP
 * boot-file route).
 *
 * <p>A name is made of plain segments: no drive letter, no {@code .} or {@code ..} segment, no
 * empty segment, no backslash, no control character (NUL included), at most {@value
 * #MAX_NAME_CHARS} characters. Leading slashes are dropped first ({@link #relative}): a name is
 * always taken from the folder, as tftpd-hpa's {@code --secure} and dnsmasq take it, and GRUB asks
 * for {@code /grub/grub.cfg}. Such a name cannot leave the folder by itself, so the file is opened
 * in one step, by the kernel, with no check before it that a concurrent change could outwit.
 * Symbolic links inside the folder are followed wherever they point, as tftpd-hpa does: they are
 * the administrator's (Debian's {@code /usr/lib/ipxe/ipxe.efi} links to {@code /boot/ipxe.efi}),
 * while a client can only name what the folder holds.
 */
public final class TftpRoot {
  /** Longer names are refused: no boot file needs one, and it bounds what a log line repeats. */
  public static final int MAX_NAME_CHARS = 255;

  private final Path root;

  public TftpRoot(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path path() {
    return root;
  }

  /** The name without its leading slashes: names are always relative to the folder. */
  public static String relative(String name) {
    int i = 0;
    while (i < name.length() && name.charAt(i) == '/') {
      i++;
    }
    return name.substring(i);
  }

  /**
   * Why a requested name (already {@link #relative}) is refused, or empty when it is acceptable.
   */
  public static Optional<String> refusal(String name) {
    if (name.isEmpty()) {
      return Optional.of("empty name");
    }
    if (name.length() > MAX_NAME_CHARS) {
      return Optional.of("name longer than " + MAX_NAME_CHARS + " characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        return Optional.of("name contains a control character or backslash");
      }
    }
    if (name.startsWith("/") || (name.length() > 1 && name.charAt(1) == ':')) {
      return Optional.of("names with a drive letter or a leading slash are refused: " + name);
    }
    for (String segment : name.split("/", -1)) {
      if (segment.equals("..")) {
        return Optional.of("names with '..' are refused: " + name);
      }
      if (segment.isEmpty() || segment.equals(".")) {
        return Optional.of("names with empty or '.' segments are refused: " + name);
      }
    }
    return Optional.empty();
  }

  /** An opened regular file and its size. */
  public record Opened(FileChannel channel, long size) {}

  /**
   * Opens {@code name} for reading.
   *
   * @throws IllegalArgumentException if the name breaks the rules above (the message says how)
   * @throws NoSuchFileException if there is no such file, or it is a directory
   * @throws IOException if it cannot be read
   */
  public Opened open(String name) throws IOException {
    Optional<String> refused = refusal(relative(name));
    if (refused.isPresent()) {
      throw new IllegalArgumentException(refused.get());
    }
    Path file = root.resolve(relative(name));
    // Only to keep a FIFO or device from blocking the open; what is sent is decided below, on
    // the opened file itself.
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new NoSuchFileException(name, null, "not a regular file");
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = channel.size();
      // A directory opens on Linux and fails its first read.
      channel.read(ByteBuffer.allocate(1), 0);
      return new Opened(channel, size);
    } catch (IOException e) {
      channel.close();
      if ("Is a directory".equals(e.getMessage())) {
        throw new NoSuchFileException(name, null, "not a regular file");
      }
      throw e;
    }
  }
}
