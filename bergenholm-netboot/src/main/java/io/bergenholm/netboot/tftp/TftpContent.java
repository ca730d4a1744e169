package io.bergenholm.netboot.tftp;

import java.nio.channels.FileChannel;

/** What a {@link TftpProvider} hands the server to send: bytes in memory or a file's bytes. */
public final class TftpContent {
  final TftpSource source;

  private TftpContent(TftpSource source) {
    this.source = source;
  }

  public static TftpContent bytes(byte[] content) {
    return new TftpContent(TftpSource.of(content.clone()));
  }

  /**
   * The first {@code size} bytes of {@code channel}, read with positional reads; {@code onClose}
   * runs when the transfer ends (it closes whatever owns the channel).
   */
  public static TftpContent file(FileChannel channel, long size, Runnable onClose) {
    return new TftpContent(new TftpSource.FileSource(channel, size, onClose));
  }
}
