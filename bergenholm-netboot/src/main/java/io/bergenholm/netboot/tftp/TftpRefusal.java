package io.bergenholm.netboot.tftp;

/** A request a {@link TftpProvider} refuses, with the TFTP error the client gets. */
public final class TftpRefusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Not a TFTP error code: a {@link #repeated} request, which gets no answer. */
  static final int REPEATED = -1;

  private final int code;

  private TftpRefusal(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** TFTP error 1: there is no such file (unknown host, no such parameter). */
  public static TftpRefusal notFound(String message) {
    return new TftpRefusal(TftpError.FILE_NOT_FOUND, message);
  }

  /** TFTP error 2: the name is malformed or not allowed. */
  public static TftpRefusal accessViolation(String message) {
    return new TftpRefusal(TftpError.ACCESS_VIOLATION, message);
  }

  /** TFTP error 0 with a reason: the content exists but cannot be made now (upstream failed...). */
  public static TftpRefusal failed(String message) {
    return new TftpRefusal(TftpError.UNDEFINED, message);
  }

  /**
   * No answer at all: the same client asked again for what is still being made for it; the first
   * request's answer goes to the same address.
   */
  public static TftpRefusal repeated(String name) {
    return new TftpRefusal(
        REPEATED, "repeated request for " + name + " while its answer is being made");
  }

  int code() {
    return code;
  }
}
