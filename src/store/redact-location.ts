/**
 * Store locations as they may appear in messages and logs: a URL's password (and any credential-like query
 * parameter, such as libpq's `?password=`) replaced by `***`.
 */

/** Query parameters that carry secrets in Redis or PostgreSQL connection strings. */
const SECRET_PARAM = /pass|secret|token|key/i;

/**
 * Returns `location` safe to print. A URL with a password keeps its user and host but not the password. Something
 * with a scheme that does not parse as a URL is reduced to its scheme, because where its password sits is unknown.
 */
export function redactLocation(location: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (scheme === null) return location;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return `${scheme[1]}://<unparsable URL>`;
  }
  if (url.password !== '') url.password = '***';
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, '***');
  }
  // URL encodes the `*` of a search param as %2A; keep the marker readable.
  return url.toString().replaceAll('%2A%2A%2A', '***');
}
