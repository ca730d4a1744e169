package io.bergenholm.netboot.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes TFTP packets on Netty buffers. Decoding never throws: bad bytes become {@link
 * TftpPacket.Malformed}.
 */
final class TftpCodec {

  /**
   * A request's filename, mode and options must fit here; RFC 2347 lifts the 512-byte limit, a sane
   * client stays far below.
   */
  private static final int MAX_REQUEST_BYTES = 4096;

  private static final int MAX_ERROR_MESSAGE = 255;

  private TftpCodec() {}

  static TftpPacket decode(ByteBuf in) {
    if (in.readableBytes() < 2) {
      return new TftpPacket.Malformed("packet of " + in.readableBytes() + " bytes has no opcode");
    }
    int opcode = in.getUnsignedShort(in.readerIndex());
    ByteBuf body = in.slice(in.readerIndex() + 2, in.readableBytes() - 2);
    return switch (opcode) {
      case TftpPacket.RRQ, TftpPacket.WRQ -> decodeRequest(opcode == TftpPacket.WRQ, body);
      case TftpPacket.DATA ->
          body.readableBytes() < 2
              ? new TftpPacket.Malformed("truncated DATA")
              : new TftpPacket.Data(body.readUnsignedShort(), readRest(body));
      case TftpPacket.ACK ->
          body.readableBytes() < 2
              ? new TftpPacket.Malformed("truncated ACK")
              : new TftpPacket.Ack(body.readUnsignedShort());
      case TftpPacket.ERROR -> decodeError(body);
      case TftpPacket.OACK -> decodeOptionAck(body);
      default -> new TftpPacket.Malformed("unknown opcode " + opcode);
    };
  }

  private static TftpPacket decodeRequest(boolean write, ByteBuf body) {
    if (body.readableBytes() > MAX_REQUEST_BYTES) {
      return new TftpPacket.Malformed("request longer than " + MAX_REQUEST_BYTES + " bytes");
    }
    String filename = readString(body);
    String mode = readString(body);
    if (filename == null || mode == null) {
      return new TftpPacket.Malformed("request without NUL-terminated filename and mode");
    }
    if (filename.isEmpty()) {
      return new TftpPacket.Malformed("request with an empty filename");
    }
    Map<String, String> options = new LinkedHashMap<>();
    while (body.isReadable()) {
      String name = readString(body);
      String value = readString(body);
      if (name == null || value == null) {
        return new TftpPacket.Malformed("option without NUL-terminated name and value");
      }
      options.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
    }
    return new TftpPacket.Request(write, filename, mode.toLowerCase(Locale.ROOT), options);
  }

  private static TftpPacket decodeError(ByteBuf body) {
    if (body.readableBytes() < 2) {
      return new TftpPacket.Malformed("truncated ERROR");
    }
    int code = body.readUnsignedShort();
    String message = readString(body);
    return new TftpPacket.Error(
        code, message == null ? body.toString(StandardCharsets.UTF_8) : message);
  }

  private static TftpPacket decodeOptionAck(ByteBuf body) {
    Map<String, String> options = new LinkedHashMap<>();
    while (body.isReadable()) {
      String name = readString(body);
      String value = readString(body);
      if (name == null || value == null) {
        return new TftpPacket.Malformed("OACK option without NUL-terminated name and value");
      }
      options.put(name.toLowerCase(Locale.ROOT), value);
    }
    return new TftpPacket.OptionAck(options);
  }

  /** The string up to the next NUL, consuming the NUL; null if there is none. */
  private static String readString(ByteBuf body) {
    int nul = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
    if (nul < 0) {
      return null;
    }
    String s = body.toString(body.readerIndex(), nul - body.readerIndex(), StandardCharsets.UTF_8);
    body.readerIndex(nul + 1);
    return s;
  }

  private static byte[] readRest(ByteBuf body) {
    byte[] bytes = new byte[body.readableBytes()];
    body.readBytes(bytes);
    return bytes;
  }

  static ByteBuf error(ByteBufAllocator alloc, int code, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(text.length, MAX_ERROR_MESSAGE);
    ByteBuf out = alloc.ioBuffer(5 + length);
    out.writeShort(TftpPacket.ERROR).writeShort(code).writeBytes(text, 0, length).writeByte(0);
    return out;
  }

  static ByteBuf optionAck(ByteBufAllocator alloc, Map<String, String> options) {
    ByteBuf out = alloc.ioBuffer(64);
    out.writeShort(TftpPacket.OACK);
    options.forEach(
        (name, value) -> {
          out.writeCharSequence(name, StandardCharsets.US_ASCII);
          out.writeByte(0);
          out.writeCharSequence(value, StandardCharsets.US_ASCII);
          out.writeByte(0);
        });
    return out;
  }

  static ByteBuf request(
      ByteBufAllocator alloc,
      boolean write,
      String filename,
      String mode,
      Map<String, String> options) {
    ByteBuf out = alloc.heapBuffer(64);
    out.writeShort(write ? TftpPacket.WRQ : TftpPacket.RRQ);
    out.writeCharSequence(filename, StandardCharsets.UTF_8);
    out.writeByte(0);
    out.writeCharSequence(mode, StandardCharsets.US_ASCII);
    out.writeByte(0);
    options.forEach(
        (name, value) -> {
          out.writeCharSequence(name, StandardCharsets.US_ASCII);
          out.writeByte(0);
          out.writeCharSequence(value, StandardCharsets.US_ASCII);
          out.writeByte(0);
        });
    return out;
  }

  static ByteBuf ack(ByteBufAllocator alloc, int block) {
    return alloc.heapBuffer(4).writeShort(TftpPacket.ACK).writeShort(block & 0xFFFF);
  }
}
