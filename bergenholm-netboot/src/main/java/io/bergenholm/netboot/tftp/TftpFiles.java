package io.bergenholm.netboot.tftp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Maps a requested name to its bytes: virtual files first, then providers, then files under the
 * root. Blocking (file system and suppliers), so it runs off the event loops; a provider's slow
 * work runs on its own threads and its answer comes back as a {@link Lookup.Pending}.
 */
final class TftpFiles {

  /** netascii is converted in memory; boot files are octet, so a large netascii read is refused. */
  static final int MAX_NETASCII_BYTES = 8 * 1024 * 1024;

  /** What a lookup gives: bytes to send, the TFTP error to answer with, or an answer to come. */
  sealed interface Lookup {
    record Found(TftpSource source) implements Lookup {}

    record Refused(int code, String message) implements Lookup {}

    record Pending(CompletionStage<Lookup> answer) implements Lookup {}
  }

  private final Optional<TftpRoot> root;
  private final Map<String, Supplier<byte[]>> virtualFiles;
  private final List<TftpProvider> providers;

  TftpFiles(Optional<Path> root, Map<String, Supplier<byte[]>> virtualFiles) {
    this(root, virtualFiles, List.of());
  }

  TftpFiles(
      Optional<Path> root,
      Map<String, Supplier<byte[]>> virtualFiles,
      List<TftpProvider> providers) {
    this.root = root.map(TftpRoot::new);
    this.virtualFiles = Map.copyOf(virtualFiles);
    this.providers = List.copyOf(providers);
  }

  Lookup open(String name, String mode) {
    return open(name, mode, null);
  }

  Lookup open(String requested, String mode, InetSocketAddress peer) {
    String name = TftpRoot.relative(requested);
    boolean netascii = mode.equals("netascii");
    if (!netascii && !mode.equals("octet")) {
      return new Lookup.Refused(
          TftpError.ILLEGAL_OPERATION,
          "transfer mode '" + mode + "' is not supported; use octet or netascii");
    }
    Optional<String> refusal = TftpRoot.refusal(name);
    if (refusal.isPresent()) {
      return new Lookup.Refused(TftpError.ACCESS_VIOLATION, refusal.get());
    }
    Supplier<byte[]> virtual = virtualFiles.get(name);
    if (virtual != null) {
      byte[] content;
      try {
        content = virtual.get();
      } catch (RuntimeException e) {
        return new Lookup.Refused(
            TftpError.UNDEFINED, "could not generate " + name + ": " + e.getMessage());
      }
      if (content == null) {
        return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "file not found: " + name);
      }
      return new Lookup.Found(TftpSource.of(netascii ? toNetascii(content) : content));
    }
    for (TftpProvider provider : providers) {
      Optional<CompletionStage<TftpContent>> made;
      try {
        made = provider.open(name, peer);
      } catch (TftpRefusal e) {
        return new Lookup.Refused(e.code(), e.getMessage());
      }
      if (made.isPresent()) {
        if (netascii) {
          return new Lookup.Refused(
              TftpError.ILLEGAL_OPERATION, name + " is sent in octet mode only");
        }
        return new Lookup.Pending(
            made.get()
                .handle(
                    (content, failure) ->
                        failure == null
                            ? new Lookup.Found(content.source)
                            : refusedBy(name, failure)));
      }
    }
    if (root.isEmpty()) {
      return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "file not found: " + name);
    }
    return openUnderRoot(root.get(), name, netascii);
  }

  private static Lookup refusedBy(String name, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof TftpRefusal refusal) {
      return new Lookup.Refused(refusal.code(), refusal.getMessage());
    }
    return new Lookup.Refused(
        TftpError.UNDEFINED, "cannot make " + name + ": " + cause.getMessage());
  }

  private static Lookup openUnderRoot(TftpRoot root, String name, boolean netascii) {
    try {
      TftpRoot.Opened opened = root.open(name);
      FileChannel channel = opened.channel();
      if (!netascii) {
        return new Lookup.Found(new TftpSource.FileSource(channel, opened.size()));
      }
      try (channel) {
        if (opened.size() > MAX_NETASCII_BYTES) {
          return new Lookup.Refused(
              TftpError.UNDEFINED, name + " is too large for netascii mode; use octet");
        }
        ByteBuffer all = ByteBuffer.allocate((int) opened.size());
        while (all.hasRemaining() && channel.read(all, all.position()) >= 0) {
          // read on
        }
        return new Lookup.Found(
            TftpSource.of(toNetascii(Arrays.copyOf(all.array(), all.position()))));
      }
    } catch (NoSuchFileException e) {
      return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "file not found: " + name);
    } catch (IOException e) {
      return new Lookup.Refused(
          TftpError.ACCESS_VIOLATION, "cannot read " + name + ": " + e.getMessage());
    }
  }

  /** RFC 764 line endings: LF goes out as CR LF, a bare CR as CR NUL. */
  static byte[] toNetascii(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + content.length / 16);
    for (byte b : content) {
      if (b == '\n') {
        out.write('\r');
        out.write('\n');
      } else if (b == '\r') {
        out.write('\r');
        out.write(0);
      } else {
        out.write(b);
      }
    }
    return out.toByteArray();
  }
}
