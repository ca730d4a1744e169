package io.bergenholm.netboot.http;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A zero-copy region of a file that several regions share: releasing it leaves the file open,
 * because the {@link io.bergenholm.engine.image.ImageHandle} owns and closes the channel.
 */
final class SharedFileRegion extends DefaultFileRegion {
  SharedFileRegion(FileChannel file, long position, long count) {
    super(file, position, count);
  }

  @Override
  protected void deallocate() {
    // The handle closes the channel when the response is done.
  }
}
