package io.bergenholm.netboot.http;

/** Who may make a call, and on which listener. */
enum Guard {
  /** Boot side: open to anyone, served on the boot listener (and the management one). */
  BOOT,
  /** Management side, reading: any valid token, or anyone when no tokens are configured. */
  READ,
  /** Management side, writing: a read-write token, or anyone when no tokens are configured. */
  WRITE;

  boolean management() {
    return this != BOOT;
  }

  Access needed() {
    return this == WRITE ? Access.READ_WRITE : Access.READ_ONLY;
  }
}
