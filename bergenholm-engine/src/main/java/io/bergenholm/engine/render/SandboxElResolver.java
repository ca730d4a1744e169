package io.bergenholm.engine.render;

import java.beans.FeatureDescriptor;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Lets templates read the context's maps and lists (and Jinjava's own helper objects such as {@code
 * loop}), and nothing else: no property or method of any other Java object, so no {@code
 * ''.getClass()}, no {@code x.class.forName(…)}, no {@code s.bytes}. Jinja filters ({@code |upper},
 * {@code |replace}, …) do what string methods would.
 */
final class SandboxElResolver extends ELResolver {
  private final ELResolver delegate;

  SandboxElResolver(ELResolver delegate) {
    this.delegate = delegate;
  }

  /** Whether a template may look into {@code base}: our plain collections or Jinjava's objects. */
  private static boolean open(Object base) {
    if (base == null || base instanceof Map || base instanceof List || base.getClass().isArray()) {
      return true;
    }
    return base.getClass().getName().startsWith("com.hubspot.jinjava.")
        || base instanceof com.hubspot.jinjava.lib.filter.Filter;
  }

  private static ELException refused(Object base, Object what) {
    return new ELException("'" + what + "' of a " + kind(base) + " is not available in templates");
  }

  private static String kind(Object base) {
    if (base instanceof CharSequence) {
      return "string";
    }
    if (base instanceof Number) {
      return "number";
    }
    if (base instanceof Boolean) {
      return "boolean";
    }
    return "value";
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    if (!open(base)) {
      throw refused(base, property);
    }
    return delegate.getValue(context, base, property);
  }

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    // Filters are called as methods; the capped ones (CappedFilters) are ours, not Jinjava's.
    if (base == null
        || !base.getClass().getName().startsWith("com.hubspot.jinjava.")
            && !(base instanceof com.hubspot.jinjava.lib.filter.Filter)) {
      throw refused(base, method + "()");
    }
    return delegate.invoke(context, base, method, paramTypes, params);
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    if (!open(base)) {
      throw refused(base, property);
    }
    return delegate.getType(context, base, property);
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    if (!open(base)) {
      throw refused(base, property);
    }
    delegate.setValue(context, base, property, value);
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return !open(base) || delegate.isReadOnly(context, base, property);
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return open(base) ? delegate.getFeatureDescriptors(context, base) : null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return open(base) ? delegate.getCommonPropertyType(context, base) : null;
  }
}
