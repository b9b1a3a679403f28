import { describe, expect, it } from 'vitest';
import { redactLocation } from '../../../src/store/redact-location.ts';

describe('redactLocation', () => {
  it.each([
    ['./data/rblwatch.sqlite', './data/rblwatch.sqlite'],
    ['memory:', 'memory:'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:s3cret@cache.internal:6379/2', 'redis://:***@cache.internal:6379/2'],
    ['rediss://app:s3cret@cache.internal', 'rediss://app:***@cache.internal'],
    ['postgres://rbl:p%40ss@db.internal/rbl', 'postgres://rbl:***@db.internal/rbl'],
    [
      'postgresql://rbl@db.internal/rbl?password=hunter2&sslmode=require',
      'postgresql://rbl@db.internal/rbl?password=***&sslmode=require',
    ],
    [
      'postgres://db.internal/rbl?sslkey=/k&sslpassword=x',
      'postgres://db.internal/rbl?sslkey=***&sslpassword=***',
    ],
  ])('%s -> %s', (location, expected) => {
    expect(redactLocation(location)).toBe(expected);
  });

  it('reduces an unparsable URL to its scheme, since where its password sits is unknown', () => {
    expect(redactLocation('redis://:hunter2@[not-a-host')).toBe('redis://<unparsable URL>');
  });
});
