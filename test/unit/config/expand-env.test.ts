// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` in plain strings is the config syntax under test.
import { describe, expect, it } from 'vitest';
import { expandEnvReferences, formatExpansionProblem } from '../../../src/config/expand-env.ts';
import { formatConfigPath } from '../../../src/config/format-path.ts';
import { parseDuration } from '../../../src/domain/duration.ts';

describe('expandEnvReferences', () => {
  it('expands string values at any depth and leaves keys and other scalars alone', () => {
    const expansion = expandEnvReferences(
      { '${KEY}': 'x', list: ['${A}-${B}', 7, true, null], nested: { deep: 'pre ${A} $$ $ post' } },
      { A: 'alpha', B: 'beta', KEY: 'never' },
    );
    expect(expansion.value).toEqual({
      '${KEY}': 'x',
      list: ['alpha-beta', 7, true, null],
      nested: { deep: 'pre alpha $ $ post' },
    });
    expect(expansion.problems).toEqual([]);
    expect([...expansion.used]).toEqual([
      ['A', 'alpha'],
      ['B', 'beta'],
    ]);
  });

  it('reports every unset reference with its path', () => {
    const { problems } = expandEnvReferences({ a: ['${NOPE}'], b: { c: '${EMPTY}' } }, { EMPTY: '' });
    expect(problems.map(formatExpansionProblem)).toEqual([
      'a[0]: environment variable NOPE is not set (referenced as ${NOPE})',
      'b.c: environment variable EMPTY is not set (referenced as ${EMPTY})',
    ]);
  });
});

describe('formatConfigPath', () => {
  it('quotes keys that are not plain words', () => {
    expect(formatConfigPath(['targets', 2, 'labels', 'team'])).toBe('targets[2].labels.team');
    expect(formatConfigPath(['zoneIntervals', 'b.barracudacentral.org'])).toBe(
      'zoneIntervals."b.barracudacentral.org"',
    );
    expect(formatConfigPath([])).toBe('');
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['6h', 21_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    [' 2d ', 172_800_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '6', '6 h', '1w', '-1h', '1.5h', 'h', '6H'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
