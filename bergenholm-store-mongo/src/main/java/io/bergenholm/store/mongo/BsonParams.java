package io.bergenholm.store.mongo;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Converts {@link Params} to BSON documents and back, losslessly for every value {@link Params}
 * accepts.
 *
 * <p>Strings, booleans, nulls, lists and maps map to their BSON types; a {@link Long} is an int64,
 * a {@link Double} a double, a {@link BigDecimal} a decimal128. The two values BSON has no type
 * for, an integer beyond 64 bits and a decimal beyond decimal128's 34 digits, are stored as a
 * tagged sub-document {@code {"%type": "integer"|"decimal", "%value": "<digits>"}}; no parameter
 * map can produce those field names (see {@link FieldNames}). Reading also accepts what other
 * writers put there: int32 becomes a {@link Long}, an ObjectId its hex text, a date its ISO-8601
 * instant.
 */
final class BsonParams {
  static final String TAG_TYPE = "%type";
  static final String TAG_VALUE = "%value";

  private BsonParams() {}

  /** The document body for {@code params}: encoded names, converted values, nothing else. */
  static BsonDocument toDocument(Params params) {
    BsonDocument doc = new BsonDocument();
    for (Map.Entry<String, Object> e : params.asMap().entrySet()) {
      doc.append(FieldNames.encode(e.getKey(), true), toBson(e.getValue()));
    }
    return doc;
  }

  /**
   * The parameters in a stored record: every field but {@code _id} and the version.
   *
   * @param what names the record in errors, such as {@code host 'abc'}
   */
  static Params fromDocument(BsonDocument doc, String what) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      if (e.getKey().equals(FieldNames.ID) || e.getKey().equals(FieldNames.VERSION)) {
        continue;
      }
      String name = FieldNames.decode(e.getKey(), true);
      values.put(name, fromBson(e.getValue(), what, name));
    }
    return Params.of(values);
  }

  static BsonValue toBson(Object v) {
    if (v == null) {
      return BsonNull.VALUE;
    }
    if (v instanceof String s) {
      return new BsonString(s);
    }
    if (v instanceof Boolean b) {
      return BsonBoolean.valueOf(b);
    }
    if (v instanceof Long l) {
      return new BsonInt64(l);
    }
    if (v instanceof Double d) {
      return new BsonDouble(d);
    }
    if (v instanceof BigDecimal d) {
      return decimal128(d)
          .<BsonValue>map(BsonDecimal128::new)
          .orElseGet(() -> tagged("decimal", d.toString()));
    }
    if (v instanceof BigInteger i) {
      return tagged("integer", i.toString());
    }
    if (v instanceof List<?> list) {
      BsonArray array = new BsonArray(list.size());
      for (Object item : list) {
        array.add(toBson(item));
      }
      return array;
    }
    if (v instanceof Map<?, ?> map) {
      BsonDocument doc = new BsonDocument();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        doc.append(FieldNames.encode((String) e.getKey(), false), toBson(e.getValue()));
      }
      return doc;
    }
    // Params admits nothing else; reaching here means Params grew a type this store must learn.
    throw new IllegalStateException("no BSON form for " + v.getClass().getName());
  }

  /** {@code d} as a decimal128 if that holds it exactly, digits and scale. */
  static Optional<Decimal128> decimal128(BigDecimal d) {
    try {
      Decimal128 dec = new Decimal128(d);
      return dec.bigDecimalValue().equals(d) ? Optional.of(dec) : Optional.empty();
    } catch (NumberFormatException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  static BsonDocument tagged(String type, String text) {
    return new BsonDocument(TAG_TYPE, new BsonString(type)).append(TAG_VALUE, new BsonString(text));
  }

  private static Object fromBson(BsonValue v, String what, String key) {
    switch (v.getBsonType()) {
      case STRING:
        return v.asString().getValue();
      case BOOLEAN:
        return v.asBoolean().getValue();
      case NULL:
      case UNDEFINED:
        return null;
      case INT32:
        return (long) v.asInt32().getValue();
      case INT64:
        return v.asInt64().getValue();
      case DOUBLE:
        return v.asDouble().getValue();
      case DECIMAL128:
        return fromDecimal128(v.asDecimal128().getValue());
      case OBJECT_ID:
        return v.asObjectId().getValue().toHexString();
      case DATE_TIME:
        return Instant.ofEpochMilli(v.asDateTime().getValue()).toString();
      case SYMBOL:
        return v.asSymbol().getSymbol();
      case ARRAY:
        {
          List<Object> items = new ArrayList<>(v.asArray().size());
          for (BsonValue item : v.asArray()) {
            items.add(fromBson(item, what, key));
          }
          return Collections.unmodifiableList(items);
        }
      case DOCUMENT:
        return fromSubDocument(v.asDocument(), what, key);
      default:
        throw new BadInputException(
            what
                + " in MongoDB: parameter '"
                + key
                + "' holds a BSON "
                + v.getBsonType()
                + ", which is not a JSON value; fix or remove it in the database");
    }
  }

  private static Object fromSubDocument(BsonDocument doc, String what, String key) {
    if (doc.size() == 2
        && doc.get(TAG_TYPE) instanceof BsonString type
        && doc.get(TAG_VALUE) instanceof BsonString text) {
      try {
        switch (type.getValue()) {
          case "integer":
            return new BigInteger(text.getValue());
          case "decimal":
            return new BigDecimal(text.getValue());
          default:
            break;
        }
      } catch (NumberFormatException e) {
        throw new BadInputException(
            what
                + " in MongoDB: parameter '"
                + key
                + "' holds a tagged "
                + type.getValue()
                + " that is not a number: "
                + text.getValue(),
            e);
      }
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      map.put(FieldNames.decode(e.getKey(), false), fromBson(e.getValue(), what, key));
    }
    return Collections.unmodifiableMap(map);
  }

  private static Object fromDecimal128(Decimal128 d) {
    if (d.isNaN()) {
      return Double.NaN;
    }
    if (d.isInfinite()) {
      return d.isNegative() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    try {
      return d.bigDecimalValue();
    } catch (ArithmeticException negativeZero) {
      // BigDecimal has no -0; its text form parses to the same zero with the same scale.
      return new BigDecimal(d.toString());
    }
  }
}
