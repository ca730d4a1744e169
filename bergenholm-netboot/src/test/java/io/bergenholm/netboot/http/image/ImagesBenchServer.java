package io.bergenholm.netboot.http.image;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.netboot.http.HttpServer;
import io.bergenholm.netboot.http.HttpSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The server that {@code bench/images-bench.sh} measures: engine (memory store), HTTP server and
 * image route, wired as the runner wires them. Arguments: cache directory, port file (the bound
 * port is written there once listening), and optionally the cache's bound ({@code
 * images.cache_max_bytes}, 2G if not given). Hosts are created through the REST API by the script.
 */
final class ImagesBenchServer {
  private ImagesBenchServer() {}

  public static void main(String[] args) throws Exception {
    Path cache = Path.of(args[0]);
    Path portFile = Path.of(args[1]);
    Bergenholm engine = Bergenholm.builder().setting(Bergenholm.STORE, "memory:").build();
    ImageService images =
        ImageService.forEngine(
            engine,
            Map.of(
                "images.cache_dir",
                cache.toString(),
                "images.cache_max_bytes",
                args.length > 2 ? args[2] : "2G",
                // the benchmark's upstream runs on this machine's loopback
                "images.allow_loopback",
                "true"));
    HttpServer server =
        HttpServer.start(engine, HttpSettings.of(new InetSocketAddress("127.0.0.1", 0)), images);
    Files.writeString(
        portFile, Integer.toString(server.bootAddress().getPort()), StandardCharsets.US_ASCII);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  images.close();
                  engine.close();
                  stop.countDown();
                }));
    stop.await();
  }
}
