/** `store:` (and `RBLWATCH_STORE`): where listings, history and the outbox live, parsed by the backend registry. */
import { z } from 'zod';
import {
  parseStoreLocation,
  type StoreBackend,
  type StoreLocation,
  storeBackends,
} from '../../store/open-store.ts';
import { type EnvVariable, readVariable } from '../environment.ts';
import { expected } from '../fields.ts';
import type { SectionContext } from '../section.ts';

/**
 * Where the store lives: `kind` is the backend, `location` what it opens (an absolute path, `memory:` or the URL)
 * and `display` is safe to log (a URL's password is masked).
 */
export type StoreConfig = StoreLocation;

/** Where `npm start` puts it: under the working directory, wherever the config file lives. */
export const DEFAULT_STORE = './data/rblwatch.sqlite';

/** A store location; a relative path is relative to `baseDir`. A URL's text is never repeated in a message. */
function storeField(baseDir: string, backends: readonly StoreBackend[]) {
  return z
    .string({ error: expected('a file path or a redis:// or postgres:// URL') })
    .transform((value, ctx) => {
      const checked = parseStoreLocation(value, baseDir, backends);
      if (checked.ok) return checked.value;
      ctx.addIssue({ code: 'custom', message: checked.problem });
      return z.NEVER;
    });
}

/** The top-level keys of this section; relative paths in the file are relative to the file. */
export function storeKeys(baseDir: string, backends: readonly StoreBackend[] = storeBackends) {
  return { store: storeField(baseDir, backends) };
}

export interface StoreFile {
  readonly store?: StoreConfig | null | undefined;
}

/** `RBLWATCH_STORE`, read once; a relative path there is relative to the working directory. */
export function readStoreEnv(
  context: Pick<SectionContext, 'env' | 'issues' | 'cwd'>,
  backends: readonly StoreBackend[] = storeBackends,
): { store: StoreConfig | undefined } {
  const variable: EnvVariable<StoreConfig> = {
    name: 'RBLWATCH_STORE',
    schema: storeField(context.cwd, backends),
  };
  return { store: readVariable(context.env, variable, context.issues) };
}

/** The environment over the file over the default (under the working directory). */
export function resolveStore(
  file: StoreFile,
  env: { store: StoreConfig | undefined },
  context: Pick<SectionContext, 'cwd'>,
  backends: readonly StoreBackend[] = storeBackends,
): StoreConfig {
  const chosen = env.store ?? file.store ?? undefined;
  if (chosen !== undefined) return chosen;
  const fallback = parseStoreLocation(DEFAULT_STORE, context.cwd, backends);
  if (!fallback.ok) throw new Error(`the default store is invalid: ${fallback.problem}`);
  return fallback.value;
}
