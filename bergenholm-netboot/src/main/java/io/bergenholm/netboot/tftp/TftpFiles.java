package io.bergenholm.netboot.tftp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Maps a requested name to its bytes: virtual files first, then files under the root. Blocking
 * (file system and suppliers), so it runs off the event loops.
 */
final class TftpFiles {

    /** netascii is converted in memory; boot files are octet, so a large netascii read is refused. */
    static final int MAX_NETASCII_BYTES = 8 * 1024 * 1024;

    /** What a lookup gives: bytes to send, or the TFTP error to answer with. */
    sealed interface Lookup {
        record Found(TftpSource source) implements Lookup {
        }

        record Refused(int code, String message) implements Lookup {
        }
    }

    private final Optional<Path> root;
    private final Map<String, Supplier<byte[]>> virtualFiles;

    TftpFiles(Optional<Path> root, Map<String, Supplier<byte[]>> virtualFiles) {
        this.root = root.map(p -> p.toAbsolutePath().normalize());
        this.virtualFiles = Map.copyOf(virtualFiles);
    }

    Lookup open(String name, String mode) {
        boolean netascii = mode.equals("netascii");
        if (!netascii && !mode.equals("octet")) {
            return new Lookup.Refused(TftpError.ILLEGAL_OPERATION, "transfer mode '" + mode + "' is not supported; use octet or netascii");
        }
        Optional<String> refusal = refusal(name);
        if (refusal.isPresent()) {
            return new Lookup.Refused(TftpError.ACCESS_VIOLATION, refusal.get());
        }
        Supplier<byte[]> virtual = virtualFiles.get(name);
        if (virtual != null) {
            byte[] content;
            try {
                content = virtual.get();
            } catch (RuntimeException e) {
                return new Lookup.Refused(TftpError.UNDEFINED, "could not generate " + name + ": " + e.getMessage());
            }
            if (content == null) {
                return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "file not found: " + name);
            }
            return new Lookup.Found(TftpSource.of(netascii ? toNetascii(content) : content));
        }
        if (root.isEmpty()) {
            return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "file not found: " + name);
        }
        return openUnderRoot(root.get(), name, netascii);
    }

    private static Optional<String> refusal(String name) {
        if (name.startsWith("/") || name.startsWith("\\") || (name.length() > 1 && name.charAt(1) == ':')) {
            return Optional.of("absolute names are refused: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return Optional.of("name contains a control character or backslash");
            }
        }
        for (String segment : name.split("/", -1)) {
            if (segment.equals("..")) {
                return Optional.of("names with '..' are refused: " + name);
            }
        }
        return Optional.empty();
    }

    private static Lookup openUnderRoot(Path root, String name, boolean netascii) {
        Path candidate = root.resolve(name).normalize();
        if (!candidate.startsWith(root)) {
            return new Lookup.Refused(TftpError.ACCESS_VIOLATION, "name leaves the root: " + name);
        }
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                return new Lookup.Refused(TftpError.ACCESS_VIOLATION, "name links out of the root: " + name);
            }
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "not a regular file: " + name);
            }
            FileChannel channel = FileChannel.open(real, StandardOpenOption.READ);
            if (!netascii) {
                return new Lookup.Found(new TftpSource.FileSource(channel, channel.size()));
            }
            try (channel) {
                if (channel.size() > MAX_NETASCII_BYTES) {
                    return new Lookup.Refused(TftpError.UNDEFINED, name + " is too large for netascii mode; use octet");
                }
            }
            return new Lookup.Found(TftpSource.of(toNetascii(Files.readAllBytes(real))));
        } catch (NoSuchFileException e) {
            return new Lookup.Refused(TftpError.FILE_NOT_FOUND, "file not found: " + name);
        } catch (IOException e) {
            return new Lookup.Refused(TftpError.ACCESS_VIOLATION, "cannot read " + name + ": " + e.getMessage());
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
