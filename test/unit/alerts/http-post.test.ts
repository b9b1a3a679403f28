import { describe, expect, it } from 'vitest';
import { parseRetryAfter, redactSecrets } from '../../../src/alerts/http-post.ts';

const now = new Date('2026-11-28T10:05:00.000Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Sat, 28 Nov 2026 10:05:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 10:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Saturday, 28-Nov-26 10:06:00 GMT', now)).toBe(60_000);
  });

  it('ignores what is neither (rather than guessing a date)', () => {
    for (const value of [
      undefined,
      '',
      '1.5',
      '-3',
      'soon',
      '2026-11-28T10:06:00Z',
      'Sat Nov 28 10:06:00 2026',
    ]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence, plain and URL-encoded', () => {
    expect(redactSecrets('key=a/b+c&again=a%2Fb%2Bc a/b+c', ['a/b+c'])).toBe(
      'key=[redacted]&again=[redacted] [redacted]',
    );
  });

  it('replaces a longer secret whole when it contains a shorter one, and skips empty secrets', () => {
    expect(redactSecrets('token-abc-long and token-abc', ['token-abc', 'token-abc-long', ''])).toBe(
      '[redacted] and [redacted]',
    );
    expect(redactSecrets('nothing here', [])).toBe('nothing here');
  });
});
