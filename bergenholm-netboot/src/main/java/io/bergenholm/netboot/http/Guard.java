package io.bergenholm.netboot.http;

/** Who may make a call, and on which listener. */
enum Guard {
  /** Boot side: open to anyone, served on the boot listener (and the management one). */
  BOOT,
  /** Management side, reading: any valid token, or anyone when no tokens are configured. */
  READ,
  /** Management side, writing: a read-write token, or anyone when no tokens are configured. */
  WRITE,
  /**
   * The operator console's static assets: served on the management listener only, without a token
   * (the page holds no data; it asks for the token and sends it with every API call).
   */
  CONSOLE;

  boolean management() {
    return this != BOOT;
  }

  boolean needsToken() {
    return this == READ || this == WRITE;
  }

  Access needed() {
    return this == WRITE ? Access.READ_WRITE : Access.READ_ONLY;
  }
}
