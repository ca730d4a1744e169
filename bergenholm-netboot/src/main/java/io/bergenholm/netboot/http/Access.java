package io.bergenholm.netboot.http;

/** What a caller of the management side may do. */
public enum Access {
  /** Read hosts, groups, templates and power state. */
  READ_ONLY,
  /** Everything, including writes, power actions and reading secret parameters on request. */
  READ_WRITE;

  boolean allows(Access needed) {
    return this == READ_WRITE || needed == READ_ONLY;
  }
}
