/**
 * A config field path as people read it and as messages print it: `targets[2].labels.team`,
 * `zoneIntervals."b.barracudacentral.org"`. Plain words stay bare; keys with dots or other characters are quoted
 * so the path stays unambiguous.
 */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
      continue;
    }
    const key = String(segment);
    const shown = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
    text += text === '' ? shown : `.${shown}`;
  }
  return text;
}
