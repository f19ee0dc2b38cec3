import { describe, expect, it } from '@jest/globals';
import { SecretScrubber } from './secret-scrubber.js';

describe('SecretScrubber', () => {
  it('replaces a secret wherever it appears in a serialized line', () => {
    const scrubber = new SecretScrubber(['sk-abc123']);
    const line = JSON.stringify({
      msg: 'key sk-abc123 refused',
      err: { stack: 'Error: sk-abc123\n at x' },
      n: { d: ['sk-abc123'] },
    });
    const out = scrubber.scrub(line);
    expect(out).not.toContain('sk-abc123');
    expect(JSON.parse(out)).toEqual({
      msg: 'key [REDACTED] refused',
      err: { stack: 'Error: [REDACTED]\n at x' },
      n: { d: ['[REDACTED]'] },
    });
  });

  it('matches the JSON-escaped and URL-encoded forms of a value with special characters', () => {
    const value = 'p"a\\ss/w+rd=';
    const scrubber = new SecretScrubber([value]);
    expect(scrubber.scrub(JSON.stringify({ msg: `got ${value}` }))).toBe(
      '{"msg":"got [REDACTED]"}',
    );
    expect(scrubber.scrub(`GET /x?k=${encodeURIComponent(value)}`)).toBe('GET /x?k=[REDACTED]');
  });

  it('prefers the longest match, so a secret containing another leaves nothing behind', () => {
    const scrubber = new SecretScrubber(['abcd', 'abcdefgh']);
    expect(scrubber.scrub('abcdefgh abcd')).toBe('[REDACTED] [REDACTED]');
  });

  it('ignores values too short to scrub without destroying ordinary words, and can be updated', () => {
    const scrubber = new SecretScrubber(['abc']);
    expect(scrubber.scrub('abc')).toBe('abc');
    scrubber.set(['rotated-value']);
    expect(scrubber.scrub('x rotated-value y')).toBe('x [REDACTED] y');
  });
});
