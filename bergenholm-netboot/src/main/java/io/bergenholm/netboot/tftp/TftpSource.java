package io.bergenholm.netboot.tftp;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** The bytes one transfer sends: a file under the root or a virtual file's content. */
interface TftpSource extends AutoCloseable {

  long size();

  /** Appends {@code length} bytes starting at {@code offset} to {@code out}. */
  void read(long offset, int length, ByteBuf out) throws IOException;

  @Override
  void close();

  static TftpSource of(byte[] content) {
    return new TftpSource() {
      @Override
      public long size() {
        return content.length;
      }

      @Override
      public void read(long offset, int length, ByteBuf out) {
        out.writeBytes(content, (int) offset, length);
      }

      @Override
      public void close() {}
    };
  }

  /**
   * Positional reads through a read-ahead chunk, so a lock-step transfer costs one read per chunk
   * instead of one per block; a chunk from the page cache is a short copy, fine on an event loop.
   */
  final class FileSource implements TftpSource {
    private static final int CHUNK = 128 * 1024;

    private final FileChannel channel;
    private final long size;
    private final Runnable onClose;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    private long chunkStart = -1;

    FileSource(FileChannel channel, long size) {
      this(channel, size, null);
    }

    /** {@code onClose} replaces closing the channel (the owner of the channel closes it). */
    FileSource(FileChannel channel, long size, Runnable onClose) {
      this.channel = channel;
      this.size = size;
      this.onClose = onClose;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void read(long offset, int length, ByteBuf out) throws IOException {
      if (length > CHUNK) {
        readDirect(offset, length, out);
        return;
      }
      if (chunkStart < 0 || offset < chunkStart || offset + length > chunkStart + chunk.limit()) {
        fill(offset);
      }
      if (offset + length > chunkStart + chunk.limit()) {
        throw new IOException(
            "file shrank while being sent: wanted " + length + " bytes at " + offset);
      }
      out.writeBytes(chunk.array(), (int) (offset - chunkStart), length);
    }

    private void fill(long offset) throws IOException {
      chunk.clear();
      chunk.limit((int) Math.min(CHUNK, size - offset));
      chunkStart = offset;
      while (chunk.hasRemaining()) {
        if (channel.read(chunk, offset + chunk.position()) < 0) {
          break;
        }
      }
      chunk.flip();
    }

    private void readDirect(long offset, int length, ByteBuf out) throws IOException {
      int written = out.writeBytes(channel, offset, length);
      int total = Math.max(written, 0);
      while (total < length) {
        int n = out.writeBytes(channel, offset + total, length - total);
        if (n < 0) {
          throw new IOException(
              "file shrank while being sent: wanted " + length + " bytes at " + offset);
        }
        total += n;
      }
    }

    @Override
    public void close() {
      if (onClose != null) {
        onClose.run();
        return;
      }
      try {
        channel.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
