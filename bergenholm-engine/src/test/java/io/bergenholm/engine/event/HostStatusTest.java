package io.bergenholm.engine.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.event.BootEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostStatusTest {
  private static BootEvent script(String purpose) {
    return BootEvent.of(BootEvent.KIND_SCRIPT_SERVED, "h", "ok", Map.of("purpose", purpose));
  }

  @Test
  void theNewestTellingEventDecides() {
    assertThat(HostStatus.derive(false, false, List.of(script("register"))).state())
        .isEqualTo(HostStatus.UNKNOWN);
    assertThat(HostStatus.derive(true, false, List.of()).state()).isEqualTo(HostStatus.REGISTERED);
    assertThat(HostStatus.derive(true, true, List.of()).state()).isEqualTo(HostStatus.INSTALLED);
    assertThat(HostStatus.derive(true, false, List.of(script("install"))).state())
        .isEqualTo(HostStatus.INSTALLING);
    BootEvent installed = BootEvent.of(BootEvent.KIND_HOST_INSTALLED, "h", "ok", Map.of());
    assertThat(HostStatus.derive(true, true, List.of(script("install"), installed)).state())
        .isEqualTo(HostStatus.INSTALLED);
    assertThat(
            HostStatus.derive(true, false, List.of(script("install"), installed, script("local")))
                .state())
        .isEqualTo(HostStatus.LOCAL_BOOT);
    BootEvent failed =
        BootEvent.of(BootEvent.KIND_SCRIPT_SERVED, "h", "error", Map.of("purpose", "install"));
    assertThat(HostStatus.derive(true, false, List.of(script("local"), failed)).state())
        .isEqualTo(HostStatus.LOCAL_BOOT);
    assertThat(HostStatus.derive(true, false, List.of(failed)).lastSeen()).contains(failed.time());
  }
}
