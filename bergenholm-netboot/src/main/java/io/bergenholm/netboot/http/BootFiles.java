package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.netboot.tftp.TftpRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The boot files the proxyDHCP names, served read-only over HTTP as {@code /ipxe/<name>} for UEFI
 * HTTP Boot (whose firmware loads the URL the offer names, with a Content-Length). Only the
 * configured names are served, from the TFTP root, under the same name rules as TFTP ({@link
 * TftpRoot}); everything else is not found.
 */
public final class BootFiles {
  /** Boot files are small (iPXE 1 MB, shim 1 MB, GRUB 4 MB); a larger file is refused. */
  public static final long MAX_BYTES = 64L << 20;

  private static final String EFI = "application/efi";

  private final Optional<TftpRoot> root;
  private final Set<String> names;

  private BootFiles(Optional<TftpRoot> root, Set<String> names) {
    this.root = root;
    this.names = Set.copyOf(names);
  }

  /** Serves nothing. */
  public static BootFiles none() {
    return new BootFiles(Optional.empty(), Set.of());
  }

  /** Serves {@code names} (single path segments) from {@code root}. */
  public static BootFiles of(TftpRoot root, Set<String> names) {
    for (String name : names) {
      Optional<String> refused = TftpRoot.refusal(name);
      if (refused.isPresent() || name.contains("/")) {
        throw new IllegalArgumentException(
            "boot file '"
                + name
                + "' cannot be served over HTTP: "
                + refused.orElse("it has more than one path segment"));
      }
    }
    return new BootFiles(Optional.of(root), names);
  }

  public Set<String> names() {
    return names;
  }

  Outcome serve(Call call) {
    String name = call.pathParam(0);
    if (root.isEmpty() || !names.contains(name)) {
      throw new NotFoundException("boot file", name);
    }
    try {
      TftpRoot.Opened opened = root.get().open(name);
      try (FileChannel channel = opened.channel()) {
        if (opened.size() > MAX_BYTES) {
          throw new UnavailableException(
              "boot file " + name + " is larger than " + MAX_BYTES + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate((int) opened.size());
        while (body.hasRemaining()) {
          if (channel.read(body, body.position()) < 0) {
            throw new UnavailableException("boot file " + name + " shrank while being read");
          }
        }
        return new Reply(OK, EFI, body.array(), Map.of());
      }
    } catch (NoSuchFileException e) {
      throw new NotFoundException("boot file", name);
    } catch (IOException e) {
      throw new UnavailableException("cannot read boot file " + name + ": " + e.getMessage(), e);
    }
  }
}
