package io.bergenholm.power.ipmi;

import io.bergenholm.api.UpstreamException;
import java.util.Arrays;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The chassis commands a power driver needs, sent through an active {@link IpmiSession}. */
final class Chassis {
  private static final Logger log = LoggerFactory.getLogger(Chassis.class);

  static final int CMD_GET_CHASSIS_STATUS = 0x01;
  static final int CMD_CHASSIS_CONTROL = 0x02;
  static final int CMD_SET_SYSTEM_BOOT_OPTIONS = 0x08;
  static final int CMD_GET_SYSTEM_BOOT_OPTIONS = 0x09;

  static final int PARAM_SET_IN_PROGRESS = 0;
  static final int PARAM_BOOT_INFO_ACK = 4;
  static final int PARAM_BOOT_FLAGS = 5;

  private static final int SET_COMPLETE = 0;
  private static final int SET_IN_PROGRESS = 1;
  private static final int COMMIT_WRITE = 2;

  /** Boot flags byte 1: bit 7 valid; bit 6 clear means "next boot only"; bit 5 EFI boot. */
  private static final int FLAGS_VALID = 0x80;

  private static final int FLAGS_EFI = 0x20;

  /** Boot flags byte 2, bits 5:2: boot device selector 0001b, force PXE. */
  static final int DEVICE_PXE = 0x04;

  static final int DEVICE_MASK = 0x3c;

  /** Chassis Control data byte values (IPMI v2.0 table 28-4). */
  enum Control {
    POWER_DOWN(0x00),
    POWER_UP(0x01),
    POWER_CYCLE(0x02),
    HARD_RESET(0x03);

    private final int code;

    Control(int code) {
      this.code = code;
    }
  }

  private final IpmiSession session;

  Chassis(IpmiSession session) {
    this.session = session;
  }

  /** Get Chassis Status, byte 1 bit 0: system power is on. */
  boolean powerIsOn() {
    byte[] d =
        session.command(
            "Get Chassis Status", IpmiMessage.NETFN_CHASSIS, CMD_GET_CHASSIS_STATUS, new byte[0]);
    if (d.length < 1) {
      throw new UpstreamException("BMC sent an empty Get Chassis Status answer");
    }
    return (d[0] & 0x01) != 0;
  }

  void control(Control control) {
    session.command(
        "Chassis Control " + control.name().toLowerCase(Locale.ROOT).replace('_', ' '),
        IpmiMessage.NETFN_CHASSIS,
        CMD_CHASSIS_CONTROL,
        new byte[] {(byte) control.code});
  }

  /**
   * Sets the boot flags to "PXE, next boot only", the way {@code ipmitool chassis bootdev pxe}
   * does: mark the parameters "set in progress" (and stop using that marker if the BMC does not
   * support it), clear the BIOS boot-info acknowledge flag so the BIOS looks at the new flags,
   * write boot flags parameter 5, "commit write", and finally "set complete" whatever happened.
   *
   * @param efi whether to ask for an EFI rather than a legacy (PC compatible) boot
   */
  void setNetworkBootNext(boolean efi) {
    boolean useProgress = setInProgress(SET_IN_PROGRESS);
    try {
      writeBootFlags(efi, useProgress);
    } catch (RuntimeException e) {
      // leave the parameters "set complete" for the next client, unless the BMC stopped answering
      if (useProgress && !(e instanceof IpmiTimeoutException)) {
        try {
          setInProgress(SET_COMPLETE);
        } catch (RuntimeException second) {
          e.addSuppressed(second);
        }
      }
      throw e;
    }
    if (useProgress) {
      setInProgress(SET_COMPLETE);
    }
  }

  private void writeBootFlags(boolean efi, boolean useProgress) {
    IpmiMessage ack =
        setBootOption(
            "Set System Boot Options (boot info acknowledge)",
            PARAM_BOOT_INFO_ACK,
            new byte[] {0x01, 0x01});
    if (ack.completionCode() != 0) {
      // ipmitool goes on as well: not every BMC implements the acknowledge parameter
      log.debug("boot info acknowledge not cleared: {}", describe(ack));
    }
    byte[] flags = {(byte) (FLAGS_VALID | (efi ? FLAGS_EFI : 0)), (byte) DEVICE_PXE, 0, 0, 0};
    session.command(
        "Set System Boot Options (boot flags: PXE, next boot only)",
        IpmiMessage.NETFN_CHASSIS,
        CMD_SET_SYSTEM_BOOT_OPTIONS,
        withParameter(PARAM_BOOT_FLAGS, flags));
    if (useProgress) {
      setInProgress(COMMIT_WRITE);
    }
  }

  /** Reads boot flags parameter 5 (its five data bytes). */
  byte[] bootFlags() {
    byte[] d =
        session.command(
            "Get System Boot Options (boot flags)",
            IpmiMessage.NETFN_CHASSIS,
            CMD_GET_SYSTEM_BOOT_OPTIONS,
            new byte[] {PARAM_BOOT_FLAGS, 0, 0});
    if (d.length < 7) {
      throw new UpstreamException("BMC sent a truncated boot flags parameter");
    }
    return Arrays.copyOfRange(d, 2, 7);
  }

  /**
   * @return whether the BMC accepted the value
   */
  private boolean setInProgress(int state) {
    IpmiMessage answer =
        setBootOption(
            "Set System Boot Options (set in progress = " + state + ")",
            PARAM_SET_IN_PROGRESS,
            new byte[] {(byte) state});
    if (answer.completionCode() != 0) {
      log.debug("set-in-progress {} not accepted: {}", state, describe(answer));
      return false;
    }
    return true;
  }

  private IpmiMessage setBootOption(String what, int parameter, byte[] data) {
    return session.call(
        what,
        IpmiMessage.NETFN_CHASSIS,
        CMD_SET_SYSTEM_BOOT_OPTIONS,
        withParameter(parameter, data));
  }

  private static byte[] withParameter(int parameter, byte[] data) {
    byte[] d = new byte[1 + data.length];
    // bit 7 clear: mark the parameter valid/unlocked
    d[0] = (byte) parameter;
    System.arraycopy(data, 0, d, 1, data.length);
    return d;
  }

  private static String describe(IpmiMessage answer) {
    return CompletionCodes.describe(answer.command(), answer.netFn() - 1, answer.completionCode());
  }
}
