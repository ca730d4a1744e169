/**
 * The embeddable core of Bergenholm: the {@link io.bergenholm.engine.Bergenholm} facade and what
 * stands behind it.
 *
 * <p>Resolution follows the Python project exactly: a host's groups are walked depth-first in list
 * order, each group once (first visit wins, so cycles are harmless), a group's own parameters
 * override its ancestors', a later group overrides an earlier one and the host overrides them all;
 * {@code uuid} is the host id and {@code groups} every group reached, in visit order. An unknown id
 * resolves through the host record {@code register}. Then every key and every string (inside lists
 * and maps too) is rendered against the previous pass's parameters until a pass changes nothing;
 * strings without markup, such as iPXE's {@code ${uuid}}, are left alone. Beyond the Python
 * project, a group that does not exist, a reference cycle and a value that keeps growing are errors
 * that name the group or keys, never a half-expanded answer.
 *
 * <p>Plugins (stores, renderers, image sources, power drivers) are found with {@link
 * java.util.ServiceLoader} and chosen by name from configuration; the engine ships the {@code
 * memory} store and the {@code jinjava} renderer.
 */
package io.bergenholm.engine;
