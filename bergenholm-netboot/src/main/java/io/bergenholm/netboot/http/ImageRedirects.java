package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.MOVED_PERMANENTLY;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.RecordNames;
import java.nio.charset.StandardCharsets;

/**
 * The Python project's image aliases: {@code /ipxe/initrd/<id>[/N]} and {@code /ipxe/module/<id>/0}
 * answer 301 to the one canonical URL of that image ({@code /ipxe/module/<id>}, or {@code
 * /ipxe/module/<id>/N} for N ≥ 1), so caches and logs see one name per image. The Location is an
 * absolute URL on the address the client used, which every client follows (iPXE included).
 */
final class ImageRedirects {
  private ImageRedirects() {}

  /** {@code /ipxe/initrd/<id>} and {@code /ipxe/initrd/<id>/<N>}. */
  static Outcome initrd(Call call) {
    return redirect(call, "initrd");
  }

  /** {@code /ipxe/module/<id>/0}; other indexes are served by {@code image}. */
  static boolean isModuleZero(Call call) {
    return call.pathParams().size() > 1 && call.pathParam(1).matches("0{1,4}");
  }

  static Outcome moduleZero(Call call) {
    return redirect(call, "module");
  }

  private static Outcome redirect(Call call, String kind) {
    String id = call.pathParam(0);
    String index = call.pathParams().size() > 1 ? call.pathParam(1) : "0";
    if (!RecordNames.isValid(id) || !index.matches("[0-9]{1,4}")) {
      throw new NotFoundException(
          "image", "/ipxe/" + kind + "/" + String.join("/", call.pathParams()));
    }
    int n = Integer.parseInt(index);
    String target = "/ipxe/module/" + pathSegment(id) + (n == 0 ? "" : "/" + n);
    return Reply.empty(MOVED_PERMANENTLY).withHeader("Location", call.baseUrl() + target);
  }

  /** Percent-encodes everything but RFC 3986's unreserved characters. */
  static String pathSegment(String raw) {
    StringBuilder b = new StringBuilder();
    for (byte x : raw.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b.toString();
  }
}
