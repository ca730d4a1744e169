package io.bergenholm.netboot.tftp;

/** TFTP error codes (RFC 1350 section 5, RFC 2347 for code 8). */
final class TftpError {
  static final int UNDEFINED = 0;
  static final int FILE_NOT_FOUND = 1;
  static final int ACCESS_VIOLATION = 2;
  static final int ILLEGAL_OPERATION = 4;
  static final int UNKNOWN_TRANSFER_ID = 5;
  static final int OPTION_REFUSED = 8;

  private TftpError() {}
}
