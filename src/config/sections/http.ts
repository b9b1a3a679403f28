/** `http:` (and `RBLWATCH_HTTP_PORT`): where `/metrics` and `/healthz` are served; off without a port. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { type EnvVariable, readVariable } from '../environment.ts';
import { expected, wholeNumber } from '../fields.ts';
import type { SectionContext } from '../section.ts';

export interface HttpConfig {
  readonly port: number;
  /** Address to bind; loopback unless set, because /metrics names the addresses being watched. */
  readonly host: string;
}

export const httpDefaults = Object.freeze({ host: '127.0.0.1' });

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const portField = wholeNumber(1, 65_535);

const httpShape = {
  port: portField.nullish(),
  host: z
    .string({ error: expected('an IP address or host name to bind') })
    .transform((value, ctx) => {
      const host = value.trim().replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0 || HOST_NAME.test(host)) return host.toLowerCase();
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not an IP address or host name` });
      return z.NEVER;
    })
    .nullish(),
};

/** The top-level keys of this section in `rblwatch.yml`. */
export const httpKeys = { http: z.strictObject(httpShape, { error: expected('a mapping') }) };

export const httpAllowedKeys = [['http', Object.keys(httpShape)]] as const;

const portVariable: EnvVariable<number> = {
  name: 'RBLWATCH_HTTP_PORT',
  // Only digits: `9465.0` or `0x24d9` in a service file is a mistake, not a port.
  schema: z.preprocess(
    (value) => (typeof value === 'string' && /^\d{1,5}$/.test(value) ? value : null),
    portField,
  ),
  refusal: (value) => `${JSON.stringify(value)} is not a port (1-65535)`,
};

export interface HttpFile {
  readonly http?: { readonly port?: number | null; readonly host?: string | null } | null | undefined;
}

/** `RBLWATCH_HTTP_PORT`, read once. */
export function readHttpEnv(context: Pick<SectionContext, 'env' | 'issues'>): { port: number | undefined } {
  return { port: readVariable(context.env, portVariable, context.issues) };
}

/** The environment's port over the file's; no port at all turns the server off. */
export function resolveHttp(file: HttpFile, env: { port: number | undefined }): HttpConfig | undefined {
  const port = env.port ?? file.http?.port ?? undefined;
  return port === undefined ? undefined : { port, host: file.http?.host ?? httpDefaults.host };
}
