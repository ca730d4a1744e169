package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FieldNamesTest {
  @Test
  void namesMongoCanStoreStayAsTheyAre() {
    for (String name :
        new String[] {"groups", "ipxe_script", "kernel_opts", "a b", "名前", "x$", "_idx", "5"}) {
      assertThat(FieldNames.encode(name, true)).isEqualTo(name);
      assertThat(FieldNames.decode(name, true)).isEqualTo(name);
    }
  }

  @Test
  void otherNamesAreEncodedIntoStorableFields() {
    assertThat(FieldNames.encode("a.b", true)).isEqualTo("%a%2Eb");
    assertThat(FieldNames.encode("$x", false)).isEqualTo("%%24x");
    assertThat(FieldNames.encode("_id", true)).isEqualTo("%_id");
    assertThat(FieldNames.encode("_id", false)).isEqualTo("_id");
    assertThat(FieldNames.encode("%", true)).isEqualTo("%%25");
    assertThat(FieldNames.encode("", true)).isEqualTo("%");
  }

  @Test
  void fieldsNoEncodingProducesAreReadVerbatim() {
    for (String field : new String[] {"%", "%zz", "%2", "%type", "%a%2", "%x%41"}) {
      if (!field.equals("%")) {
        assertThat(FieldNames.decode(field, true)).as(field).isEqualTo(field);
      }
    }
    assertThat(FieldNames.decode("%", true)).isEqualTo("");
  }

  @Test
  void everyNameRoundTripsAndEveryFieldIsStorable() {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    String alphabet = "ab._$%\0I2E4d";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int length = r.nextInt(7);
      for (int j = 0; j < length; j++) {
        b.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String name = b.toString();
      boolean top = r.nextBoolean();
      String field = FieldNames.encode(name, top);
      assertThat(FieldNames.decode(field, top))
          .as("seed %d, name '%s'", seed, name)
          .isEqualTo(name);
      assertThat(field)
          .as("seed %d, name '%s'", seed, name)
          .isNotEmpty()
          .doesNotStartWith("$")
          .doesNotContain(".")
          .doesNotContain("\0");
      if (top) {
        assertThat(field).isNotIn(FieldNames.ID, FieldNames.VERSION);
      }
    }
  }
}
