import { AppError, ErrorCode } from './errors.ts';

/** What {@link defineRegistry} checks besides the names. */
export interface RegistryOptions {
  /**
   * Refuse an empty list: a kind that cannot work without at least one entry (a config union of destination types,
   * a store to open). Kinds that are rooms for later (report formats, probes) may be empty.
   */
  readonly nonEmpty?: boolean;
}

/**
 * Builds one plugin registry: the literal list of a kind's definitions, in the order given, frozen. Names are what
 * configuration files, commands and messages refer to, so an empty or repeated one is refused here, once, when the
 * module loads (and so in every test run), never left to surface as a lookup that picks the wrong entry.
 *
 * @param kind - what the entries are (`notifier`, `store backend`), for the message.
 * @param nameOf - the entry's name (`type`, `name`).
 * @throws AppError `REGISTRY_INVALID` on an empty or repeated name, or an empty list with `nonEmpty`.
 */
export function defineRegistry<T>(
  kind: string,
  entries: readonly T[],
  nameOf: (entry: T) => string,
  options: RegistryOptions = {},
): readonly T[] {
  if (options.nonEmpty === true && entries.length === 0) {
    throw new AppError(ErrorCode.REGISTRY_INVALID, `${kind} registry: it is empty`);
  }
  const names = new Set<string>();
  for (const entry of entries) {
    const name = nameOf(entry);
    if (name.trim() === '' || names.has(name)) {
      throw new AppError(
        ErrorCode.REGISTRY_INVALID,
        `${kind} registry: name "${name}" is empty or registered twice`,
      );
    }
    names.add(name);
  }
  return Object.freeze([...entries]);
}
