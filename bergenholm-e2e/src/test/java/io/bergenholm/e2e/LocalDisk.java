package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A machine's "installed system": a raw disk image whose boot sector prints {@link #MARKER} on the
 * console and resets the machine (which {@code -no-reboot} turns into QEMU's exit). When it
 * appears, the machine really booted from its local disk, as {@code sanboot --drive 0x80} in the
 * local-boot script asks.
 */
final class LocalDisk {
  static final String MARKER = "LOCAL-DISK-BOOT-OK";

  /**
   * 16-bit code loaded at 0000:7C00: print the zero-terminated message at 7C22 through the BIOS
   * teletype call, poll the keyboard once (which lets SeaBIOS flush its serial console), then pulse
   * the reset line through the keyboard controller.
   */
  private static final int[] CODE = {
    0x31, 0xC0, //             xor ax, ax
    0x8E, 0xD8, //             mov ds, ax
    0xBE, 0x22, 0x7C, //       mov si, 0x7C22 (the message)
    0xFC, //                   cld
    0xAC, //             next: lodsb
    0x84, 0xC0, //             test al, al
    0x74, 0x09, //             jz done
    0xB4, 0x0E, //             mov ah, 0x0E (teletype output)
    0xBB, 0x07, 0x00, //       mov bx, 0x0007
    0xCD, 0x10, //             int 0x10
    0xEB, 0xF2, //             jmp next
    0xB4, 0x01, //       done: mov ah, 0x01 (keystroke status)
    0xCD, 0x16, //             int 0x16
    0xB0, 0xFE, //             mov al, 0xFE (pulse reset)
    0xE6, 0x64, //             out 0x64, al
    0xFA, //                   cli
    0xF4, //             halt: hlt
    0xEB, 0xFD, //             jmp halt
  };

  private LocalDisk() {}

  /** Writes a 1 MiB disk image to {@code file}. */
  static Path write(Path file) throws IOException {
    if (CODE.length != 0x22) {
      throw new IllegalStateException("the boot code must end where its message starts, at 7C22");
    }
    byte[] disk = new byte[1 << 20];
    for (int i = 0; i < CODE.length; i++) {
      disk[i] = (byte) CODE[i];
    }
    // SeaBIOS's serial console holds back the last characters it was given: the marker line is
    // followed by another, so that the marker itself always reaches the console.
    byte[] message =
        (MARKER + "\r\nboot sector of the local disk; resetting the machine\r\n\0")
            .getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(message, 0, disk, CODE.length, message.length);
    disk[510] = 0x55;
    disk[511] = (byte) 0xAA;
    Files.createDirectories(file.getParent());
    Files.write(file, disk);
    return file;
  }
}
