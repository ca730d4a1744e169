package io.bergenholm.netboot.dhcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DHCP packets as real PXE firmware and iPXE send them (option sets taken from what a BIOS PXE ROM,
 * UEFI firmware and iPXE put on the wire: vendor class, architecture, NIC type, UUID, parameter
 * request list, and for iPXE its user class and option 175).
 */
final class PxeClientPackets {

  /**
   * A UUID as the firmware reports it, and option 97's wire form (first three fields
   * little-endian).
   */
  static final String UUID_TEXT = "8c6e2b1a-4f3d-4c2e-9a7b-123456789abc";

  static final byte[] UUID_OPTION =
      HexFormat.of().parseHex("00" + "1a2b6e8c" + "3d4f" + "2e4c" + "9a7b123456789abc");

  enum Client {
    BIOS("PXEClient:Arch:00000:UNDI:002001", 0, false),
    UEFI("PXEClient:Arch:00007:UNDI:003016", 7, false),
    UEFI_EBC("PXEClient:Arch:00009:UNDI:003016", 9, false),
    ARM64("PXEClient:Arch:00011:UNDI:003016", 11, false),
    IPXE("PXEClient:Arch:00000:UNDI:002001", 0, true),
    HTTP_BOOT("HTTPClient:Arch:00016:UNDI:003001", 16, false),
    NOT_PXE("udhcp 1.35.0", 0, false);

    final String vendorClass;
    final int arch;
    final boolean ipxe;

    Client(String vendorClass, int arch, boolean ipxe) {
      this.vendorClass = vendorClass;
      this.arch = arch;
      this.ipxe = ipxe;
    }
  }

  private PxeClientPackets() {}

  static byte[] mac(int last) {
    return new byte[] {0x52, 0x54, 0x00, 0x12, 0x34, (byte) last};
  }

  static DhcpMessage discover(Client client, byte[] mac, int xid, byte[] giaddr) {
    return message(client, DhcpMessage.DISCOVER, mac, xid, new byte[4], giaddr, false);
  }

  /**
   * The follow-up to port 4011: unicast, from the address the site's DHCP server gave, naming boot
   * item 0.
   */
  static DhcpMessage pxeRequest(Client client, byte[] mac, int xid, byte[] ciaddr) {
    return message(client, DhcpMessage.REQUEST, mac, xid, ciaddr, new byte[4], true);
  }

  private static DhcpMessage message(
      Client client,
      int type,
      byte[] mac,
      int xid,
      byte[] ciaddr,
      byte[] giaddr,
      boolean bootItem) {
    Map<Integer, byte[]> options = new LinkedHashMap<>();
    options.put(DhcpMessage.OPT_MESSAGE_TYPE, new byte[] {(byte) type});
    options.put(57, new byte[] {0x05, (byte) 0xc0}); // max message size 1472
    options.put(93, new byte[] {0, (byte) client.arch});
    options.put(94, new byte[] {1, 2, 1}); // UNDI 2.1
    options.put(DhcpMessage.OPT_CLIENT_UUID, UUID_OPTION.clone());
    options.put(
        55,
        new byte[] {
          1,
          2,
          3,
          4,
          5,
          6,
          12,
          13,
          15,
          17,
          18,
          22,
          23,
          28,
          40,
          41,
          42,
          43,
          50,
          51,
          54,
          58,
          59,
          60,
          66,
          67,
          (byte) 128,
          (byte) 129,
          (byte) 130,
          (byte) 131,
          (byte) 132,
          (byte) 133,
          (byte) 134,
          (byte) 135
        });
    options.put(
        DhcpMessage.OPT_VENDOR_CLASS, client.vendorClass.getBytes(StandardCharsets.US_ASCII));
    if (client.ipxe) {
      options.put(DhcpMessage.OPT_USER_CLASS, "iPXE".getBytes(StandardCharsets.US_ASCII));
      options.put(
          DhcpMessage.OPT_IPXE_ENCAPSULATED,
          new byte[] {
            (byte) 0xb1,
            0x05,
            0x01,
            (byte) 0x80,
            (byte) 0x86,
            0x10,
            0x0e,
            (byte) 0xeb,
            0x03,
            0x01,
            0x00,
            0x00,
            0x17,
            0x01,
            0x01
          });
    }
    if (bootItem) {
      options.put(DhcpMessage.OPT_VENDOR_SPECIFIC, new byte[] {71, 4, 0, 0, 0, 0, (byte) 255});
    }
    return new DhcpMessage(
        DhcpMessage.BOOTREQUEST,
        1,
        6,
        0,
        xid,
        4,
        0x8000,
        ciaddr,
        new byte[4],
        new byte[4],
        giaddr,
        mac,
        "",
        "",
        options);
  }

  static byte[] bytes(DhcpMessage message) {
    ByteBuf buf = Unpooled.buffer();
    message.encode(buf);
    byte[] bytes = ByteBufUtil.getBytes(buf);
    buf.release();
    return bytes;
  }
}
