package io.bergenholm.store.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.event.EventQuery;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boot events in the store folder: {@code events/events.jsonl}, one JSON object a line, appended
 * only. When it passes {@code maxBytes} it becomes {@code events.jsonl.1} (replacing the one
 * before) and a new file starts, so the folder never holds more than about twice {@code maxBytes}.
 * The {@code events} folder is not a record folder: writing it does not change the store's change
 * stamp, so events never invalidate cached scripts.
 *
 * <p>The bound is overall (bytes), not per host: a host that boots in a loop pushes older events of
 * other hosts out sooner. A line that cannot be parsed (a torn write after a crash) is skipped.
 */
final class FileEventSink implements BootEventSink {
  private static final Logger log = LoggerFactory.getLogger(FileEventSink.class);
  static final String FOLDER = "events";
  static final String FILE = "events.jsonl";
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final Path current;
  private final Path previous;
  private final long maxBytes;
  private FileChannel out; // guarded by this
  private Object outKey; // guarded by this: the file out writes, so a rotation elsewhere is noticed

  FileEventSink(Path storeRoot, long maxBytes) {
    Path dir = storeRoot.resolve(FOLDER);
    this.current = dir.resolve(FILE);
    this.previous = dir.resolve(FILE + ".1");
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized void append(List<BootEvent> events) {
    StringBuilder text = new StringBuilder();
    for (BootEvent e : events) {
      text.append(toLine(e)).append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    try {
      FileChannel ch = channel();
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      if (ch.size() >= maxBytes) {
        closeChannel();
        Files.move(
            current, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      closeChannel();
      throw new UnavailableException("cannot append boot events to " + current + ": " + e, e);
    }
  }

  /**
   * The open file, opened again when it is gone (rotated by this sink or by another server on the
   * same folder). Opening ends a line torn by a crash, so that it alone is lost.
   */
  private FileChannel channel() throws IOException {
    if (out != null && outKey != null && outKey.equals(fileKey())) {
      return out;
    }
    closeChannel();
    Files.createDirectories(current.getParent());
    FileChannel ch =
        FileChannel.open(
            current,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    if (ch.size() > 0 && !endsWithNewline(current)) {
      ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
    }
    out = ch;
    outKey = fileKey();
    return ch;
  }

  /** The identity of the file now at {@code current} (inode), or null if there is none. */
  private Object fileKey() {
    try {
      return Files.readAttributes(current, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  private void closeChannel() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        log.debug("closing {} failed: {}", current, e.toString());
      }
      out = null;
    }
  }

  @Override
  public synchronized void close() {
    closeChannel();
  }

  private static boolean endsWithNewline(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer last = ByteBuffer.allocate(1);
      ch.read(last, ch.size() - 1);
      return last.get(0) == '\n';
    }
  }

  @Override
  public synchronized List<BootEvent> read(EventQuery query) {
    ArrayDeque<BootEvent> newest = new ArrayDeque<>(Math.min(query.limit(), 4096));
    for (Path file : List.of(previous, current)) {
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          Optional<BootEvent> e = fromLine(line, file);
          if (e.isPresent() && query.matches(e.get())) {
            if (newest.size() == query.limit()) {
              newest.removeFirst();
            }
            newest.addLast(e.get());
          }
        }
      } catch (NoSuchFileException e) {
        // Not written yet, or rotated away.
      } catch (IOException e) {
        throw new UnavailableException("cannot read boot events from " + file + ": " + e, e);
      }
    }
    return new ArrayList<>(newest);
  }

  private static String toLine(BootEvent e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("time", e.time().toString());
    o.put("kind", e.kind());
    e.host().ifPresent(h -> o.put("host", h));
    e.mac().ifPresent(m -> o.put("mac", m));
    e.ip().ifPresent(i -> o.put("ip", i));
    o.put("outcome", e.outcome());
    ObjectNode a = o.putObject("attributes");
    e.attributes().forEach(a::put);
    return o.toString();
  }

  private static Optional<BootEvent> fromLine(String line, Path file) {
    try {
      JsonNode o = JSON.readTree(line);
      Map<String, String> attributes = new LinkedHashMap<>();
      o.path("attributes")
          .properties()
          .forEach(en -> attributes.put(en.getKey(), en.getValue().asText()));
      return Optional.of(
          new BootEvent(
              Instant.parse(o.get("time").asText()),
              o.get("kind").asText(),
              text(o, "host"),
              text(o, "mac"),
              text(o, "ip"),
              o.get("outcome").asText(),
              attributes));
    } catch (IOException | RuntimeException e) {
      log.debug("skipping an unreadable line in {}: {}", file, e.toString());
      return Optional.empty();
    }
  }

  private static Optional<String> text(JsonNode o, String key) {
    return o.hasNonNull(key) ? Optional.of(o.get(key).asText()) : Optional.empty();
  }
}
