package io.bergenholm.power.vmware;

/**
 * A vSphere fault from a SOAP answer or a failed task: its type (such as {@code InvalidLogin} or
 * {@code InvalidPowerState}) and the server's message.
 */
final class VimFault extends Exception {
  private final String type;

  VimFault(String type, String message) {
    super(message + (type.isEmpty() ? "" : " (" + type + ")"));
    this.type = type;
  }

  String type() {
    return type;
  }
}
