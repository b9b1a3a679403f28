/**
 * zod fields shared by destination definitions (`notifiers/*.ts`), so each type writes its schema in a few lines
 * and every type words the same mistake the same way.
 */
import { z } from 'zod';

/** A credential field: it must be present and, as the config checks, a `${VAR}` reference. */
export function secretField(what: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`) })
    .min(1, 'is required');
}

export const urlField = z.string({ error: 'must be a URL' });

/** For services spoken to over HTTP: an endpoint override, and the opt-in to plain http to a remote host. */
export const httpEndpointShape = { url: urlField.optional(), allowInsecure: z.boolean().optional() };

/**
 * A destination spoken to over HTTP, as written: the endpoint fields, `type: <type>`, and the type's own fields
 * (a field named again here, such as a required `url`, replaces the endpoint's).
 */
export function httpDestinationSchema<Type extends string, Shape extends z.ZodRawShape>(
  type: Type,
  shape: Shape,
) {
  return z.strictObject({ ...httpEndpointShape, type: z.literal(type), ...shape });
}
