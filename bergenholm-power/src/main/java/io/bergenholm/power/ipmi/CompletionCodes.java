package io.bergenholm.power.ipmi;

/** Readable reasons for IPMI completion codes and RMCP+ status codes. */
final class CompletionCodes {
  private CompletionCodes() {}

  /** IPMI v2.0 table 5-2, plus the command-specific codes of Set System Boot Options. */
  static String describe(int command, int netFn, int code) {
    String generic =
        switch (code) {
          case 0x00 -> "success";
          case 0xc0 -> "node busy";
          case 0xc1 -> "invalid command (not supported by this BMC)";
          case 0xc2 -> "command invalid for the given LUN";
          case 0xc3 -> "timeout while processing the command";
          case 0xc4 -> "out of space";
          case 0xc5 -> "reservation cancelled or invalid reservation id";
          case 0xc6 -> "request data truncated";
          case 0xc7 -> "request data length invalid";
          case 0xc8 -> "request data field length limit exceeded";
          case 0xc9 -> "parameter out of range";
          case 0xca -> "cannot return the number of requested data bytes";
          case 0xcb -> "requested sensor, data or record not present";
          case 0xcc -> "invalid data field in request";
          case 0xcd -> "command illegal for the specified sensor or record type";
          case 0xce -> "command response could not be provided";
          case 0xcf -> "cannot execute duplicated request";
          case 0xd0 -> "SDR repository in update mode";
          case 0xd1 -> "device in firmware update mode";
          case 0xd2 -> "BMC initialization in progress";
          case 0xd3 -> "destination unavailable";
          case 0xd4 -> "insufficient privilege level";
          case 0xd5 -> "command not supported in the present state";
          case 0xd6 -> "sub-function disabled or unavailable";
          case 0xff -> "unspecified error";
          default -> null;
        };
    if (generic != null) {
      return generic + " (completion code " + Bytes.hex(code) + ")";
    }
    if (netFn == IpmiMessage.NETFN_CHASSIS && command == Chassis.CMD_SET_SYSTEM_BOOT_OPTIONS) {
      switch (code) {
        case 0x80:
          return "boot option parameter not supported (completion code 0x80)";
        case 0x81:
          return "another client is setting boot options ('set in progress'; completion code 0x81)";
        case 0x82:
          return "boot option parameter is read-only (completion code 0x82)";
        default:
          break;
      }
    }
    if (netFn == IpmiMessage.NETFN_APP && command == IpmiSession.CMD_SET_SESSION_PRIVILEGE_LEVEL) {
      switch (code) {
        case 0x80:
          return "the requested privilege level is not available to this user"
              + " (completion code 0x80)";
        case 0x81:
          return "the requested privilege level exceeds the limit of this user or channel"
              + " (completion code 0x81)";
        default:
          break;
      }
    }
    if (code >= 0x80 && code <= 0xbe) {
      return "command-specific error (completion code " + Bytes.hex(code) + ")";
    }
    return "OEM or reserved completion code " + Bytes.hex(code);
  }

  /** RMCP+ and RAKP message status codes, IPMI v2.0 table 13-15. */
  static String describeRmcpStatus(int status) {
    String reason =
        switch (status) {
          case 0x00 -> "no errors";
          case 0x01 -> "insufficient resources to create a session";
          case 0x02 -> "invalid session id";
          case 0x03 -> "invalid payload type";
          case 0x04 -> "invalid authentication algorithm";
          case 0x05 -> "invalid integrity algorithm";
          case 0x06 -> "no matching authentication payload";
          case 0x07 -> "no matching integrity payload";
          case 0x08 -> "inactive session id";
          case 0x09 -> "invalid role";
          case 0x0a -> "unauthorized role or privilege level requested";
          case 0x0b -> "insufficient resources to create a session at the requested role";
          case 0x0c -> "invalid name length";
          case 0x0d -> "unauthorized name";
          case 0x0e -> "unauthorized GUID";
          case 0x0f -> "invalid integrity check value";
          case 0x10 -> "invalid confidentiality algorithm";
          case 0x11 -> "no cipher suite match with the proposed security algorithms";
          case 0x12 -> "illegal or unrecognized parameter";
          default -> "reserved status";
        };
    return reason + " (RMCP+ status " + Bytes.hex(status) + ")";
  }
}
