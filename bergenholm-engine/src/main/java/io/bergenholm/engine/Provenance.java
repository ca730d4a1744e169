package io.bergenholm.engine;

/**
 * Where one resolved parameter came from.
 *
 * @param source {@code host:<id>}, {@code group:<name>}, or {@code computed} for {@code uuid} and
 *     {@code groups}
 * @param raw the value as that record stores it
 * @param expanded the value after expansion
 */
public record Provenance(String source, Object raw, Object expanded) {}
