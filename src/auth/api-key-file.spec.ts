import { describe, expect, it } from '@jest/globals';
import { parseKeyFile, sha256 } from './api-key-file.js';

const digest = (key: string) => sha256(key).toString('hex');
const SECRET = 'sk-plaintext-value-that-must-not-leak';

describe('parseKeyFile', () => {
  it('reads YAML under keys:, with defaults', () => {
    const parsed = parseKeyFile(
      `# operators' comments are fine\nkeys:\n  - id: a\n    user: alice\n    sha256: ${digest('k1')}\n    ols: [echo]\n`,
      new Set(['default']),
    );
    expect(parsed).toMatchObject({ ok: true, plaintext: 0 });
    if (!parsed.ok) return;
    expect(parsed.keys[0]).toMatchObject({
      id: 'a',
      user: 'alice',
      tier: 'default',
      disabled: false,
      trustForwardedUser: false,
      admin: false,
    });
    expect(parsed.keys[0].digest.equals(sha256('k1'))).toBe(true);
  });

  it('reads a JSON list, and hashes clear keys at once', () => {
    const parsed = parseKeyFile(
      JSON.stringify([{ id: 'b', user: 'bob', key: SECRET, ols: ['*'], tier: 'pro' }]),
      new Set(['default', 'pro']),
    );
    expect(parsed).toMatchObject({ ok: true, plaintext: 1 });
    if (parsed.ok) expect(parsed.keys[0].digest.equals(sha256(SECRET))).toBe(true);
  });

  it('rejects the whole file on any fault, naming entries but never key values', () => {
    const parsed = parseKeyFile(
      JSON.stringify({
        keys: [
          { id: 'ok', user: 'u', sha256: digest('x'), ols: ['echo'] },
          { id: 'both', user: 'u', sha256: digest('y'), key: SECRET, ols: [] },
          { id: 'short', user: 'u', key: 'sk-short', ols: [] },
          { id: 'tier', user: 'u', sha256: digest('z'), ols: [], tier: 'gold' },
          { id: 'ok', user: 'u', sha256: digest('w'), ols: ['chat:model'] },
          { id: 'extra', user: 'u', sha256: digest('v'), ols: [], colour: 'red' },
        ],
      }),
      new Set(['default']),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const text = parsed.problems.join('\n');
    expect(text).toMatch(/keys\[1\] \(both\): give exactly one of sha256 or key/);
    expect(text).toMatch(/keys\[2\] \(short\): key must be at least 20/);
    expect(text).toMatch(/keys\[3\] \(tier\): tier 'gold' is not among rateLimit.tiers/);
    expect(text).toMatch(/keys\[4\] \(ok\): id 'ok' is used twice; pattern 'chat:model'/);
    expect(text).toMatch(/keys\[5\] \(extra\): unknown field 'colour'/);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('sk-short');
  });

  it('reports YAML syntax errors by place only (the line may hold a key)', () => {
    const parsed = parseKeyFile(`keys:\n  - id: a\n    key: "${SECRET}\n`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problems[0]).toMatch(/not valid YAML or JSON/);
      expect(parsed.problems.join()).not.toContain(SECRET);
    }
  });

  it('refuses a file that is not a list of keys', () => {
    expect(parseKeyFile('user: alice')).toMatchObject({ ok: false });
  });
});
