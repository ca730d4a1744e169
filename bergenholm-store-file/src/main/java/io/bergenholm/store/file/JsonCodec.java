package io.bergenholm.store.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hosts and groups are stored as one JSON object per file, keys in their order, indented so that a
 * person can edit them.
 *
 * <p>Numbers come back as {@link Params} holds them: integers as {@link Long}, or {@link
 * BigInteger} beyond 64 bits; fractions as {@link Double} when the double is exactly the written
 * decimal (so every double written comes back bit for bit), otherwise as {@link BigDecimal} so that
 * no digit typed by hand is lost. Duplicate keys and anything after the object are errors.
 */
final class JsonCodec implements RecordCodec<Params> {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter()
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n"))
          .withSeparators(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                  .withObjectEmptySeparator("")
                  .withArrayEmptySeparator(""));

  @Override
  public Params decode(byte[] bytes, String file) {
    try (JsonParser p = JSON.createParser(bytes)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw bad(
            file,
            p.currentTokenLocation(),
            first == null
                ? "the file is empty, a JSON object was expected"
                : "a JSON object was expected, not " + describe(first));
      }
      Map<String, Object> map = readObject(p);
      JsonToken extra = p.nextToken();
      if (extra != null) {
        throw bad(
            file,
            p.currentTokenLocation(),
            "unexpected " + describe(extra) + " after the JSON object");
      }
      return Params.of(map);
    } catch (JsonProcessingException e) {
      throw bad(file, e.getLocation(), e.getOriginalMessage());
    } catch (BadInputException e) {
      if (e.getMessage().startsWith(file)) {
        throw e;
      }
      throw new BadInputException(file + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array does no I/O
    }
  }

  private static Map<String, Object> readObject(JsonParser p) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String key = p.currentName();
      p.nextToken();
      map.put(key, readValue(p));
    }
    return map;
  }

  private static Object readValue(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT:
        return readObject(p);
      case START_ARRAY:
        {
          List<Object> list = new ArrayList<>();
          for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
            list.add(readValue(p));
          }
          return list;
        }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? p.getBigIntegerValue()
            : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return fraction(p.getText());
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IllegalStateException(
            "unexpected JSON token " + t); // the parser reports malformed input itself
    }
  }

  /** A double if it is exactly the written number, otherwise the exact decimal. */
  static Object fraction(String text) {
    BigDecimal exact = new BigDecimal(text);
    double d = Double.parseDouble(text);
    if (Double.isFinite(d) && new BigDecimal(Double.toString(d)).compareTo(exact) == 0) {
      return d;
    }
    return exact;
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_ARRAY -> "a JSON array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> "'" + t.asString() + "'";
    };
  }

  private static BadInputException bad(String file, JsonLocation at, String problem) {
    String where =
        at == null || at.getLineNr() < 0
            ? ""
            : " line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new BadInputException(file + where + ": not a valid JSON object: " + problem);
  }

  @Override
  public byte[] encode(Params value, String file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.setPrettyPrinter(PRETTY);
      writeValue(g, value.asMap(), file, "");
      g.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to a byte array does no I/O
    }
    return out.toByteArray();
  }

  private static void writeValue(JsonGenerator g, Object v, String file, String path)
      throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof BigInteger b) {
      g.writeNumber(b);
    } else if (v instanceof Double d) {
      if (!Double.isFinite(d)) {
        throw new BadInputException(
            file + ": parameter '" + path + "' is " + d + ", which JSON cannot hold");
      }
      g.writeNumber(d);
    } else if (v instanceof BigDecimal b) {
      g.writeNumber(b);
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String key = (String) e.getKey();
        g.writeFieldName(key);
        writeValue(g, e.getValue(), file, path.isEmpty() ? key : path + "." + key);
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      int i = 0;
      for (Object item : l) {
        writeValue(g, item, file, path + "[" + i++ + "]");
      }
      g.writeEndArray();
    } else {
      // Params admits no other type; this is a bug, not bad input.
      throw new IllegalStateException(
          "unexpected parameter type " + v.getClass().getName() + " at " + path);
    }
  }
}
