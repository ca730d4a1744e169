package io.bergenholm.api.store;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.Versioned;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One collection of named records (hosts, groups or templates) in a {@link ParameterStore}.
 *
 * <p>Error contract, for every method:
 *
 * <ul>
 *   <li><b>not found</b>: {@link #get} answers empty; {@link #replace}, {@link #delete} and {@link
 *       #update} throw {@link NotFoundException} for this {@link #kind()} and name;
 *   <li><b>conflict</b>: {@link #create} of an existing name throws {@link AlreadyExistsException};
 *       a write whose {@code ifVersion} is no longer current throws {@link StaleVersionException};
 *       in both cases nothing was written;
 *   <li><b>bad input</b>: a name that {@link io.bergenholm.api.RecordNames} refuses, or a value the
 *       backing system cannot hold, is a {@link BadInputException} naming the record;
 *   <li><b>unavailable</b>: a backing system that cannot be reached is an {@link
 *       UnavailableException}, and then nothing has been written (or, if the store cannot tell, the
 *       message says so).
 * </ul>
 *
 * <p>Every write is atomic: a reader sees the old record or the new one, never a mix, and a crash
 * never leaves a broken record.
 *
 * @param <T> {@link io.bergenholm.api.Params} for hosts and groups, {@link String} for templates
 */
public interface RecordStore<T> {
  /**
   * Which collection this is; its {@link NotFoundException}s name this kind.
   *
   * @return the record kind
   */
  RecordKind kind();

  /**
   * @return the names of all records, sorted in natural {@link String} order
   */
  List<String> list();

  /**
   * Reads a record.
   *
   * @param name the record's name
   * @return the record and its current version, or empty if there is none
   */
  Optional<Versioned<T>> get(String name);

  /**
   * Creates a record.
   *
   * @param name the record's name
   * @param value its content
   * @return the stored record and its version
   * @throws AlreadyExistsException if a record of that name exists; it is left unchanged
   */
  Versioned<T> create(String name, T value);

  /**
   * Replaces a record, if {@code ifVersion} is given only while that is its current version.
   *
   * @param name the record's name
   * @param value its new content
   * @param ifVersion the version the caller read, for a conditional write
   * @return the stored record and its new version
   * @throws NotFoundException if there is no such record
   * @throws StaleVersionException if {@code ifVersion} is given and is not the current version
   */
  Versioned<T> replace(String name, T value, Optional<String> ifVersion);

  /**
   * Deletes a record, if {@code ifVersion} is given only while that is its current version.
   *
   * @param name the record's name
   * @param ifVersion the version the caller read, for a conditional delete
   * @throws NotFoundException if there is no such record
   * @throws StaleVersionException if {@code ifVersion} is given and is not the current version
   */
  void delete(String name, Optional<String> ifVersion);

  /**
   * Applies {@code change} to the current record and writes the result with a conditional replace,
   * reading and trying again when another writer got there first, so that no update is lost. The
   * function may run more than once and must not have side effects.
   *
   * @param name the record's name
   * @param change computes the new content from the current one
   * @return the stored record and its version (the current one if nothing changed)
   * @throws NotFoundException if there is no such record
   */
  default Versioned<T> update(String name, UnaryOperator<T> change) {
    for (int attempt = 0; ; attempt++) {
      Versioned<T> current = get(name).orElseThrow(() -> new NotFoundException(kind(), name));
      T next = change.apply(current.value());
      if (next.equals(current.value())) {
        return current;
      }
      try {
        return replace(name, next, Optional.of(current.version()));
      } catch (StaleVersionException e) {
        if (attempt >= 1000) {
          throw e;
        }
        Thread.onSpinWait();
      }
    }
  }
}
