import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseKeyFile, sha256 } from './api-key-file.js';
import { createKey } from './keys-cli.js';

const temp = () => join(mkdtempSync(join(tmpdir(), 'keys-cli-')), 'api_keys');

describe('keys:create', () => {
  it('makes a strong key, stores only its hash, in a file only the owner can read', () => {
    const file = temp();
    const { id, key } = createKey({ user: 'alice', ols: ['echo', 'chat:*'], tier: 'pro', file });
    expect(key).toMatch(/^sk-[A-Za-z0-9_-]{43}$/); // 32 random bytes
    const content = readFileSync(file, 'utf8');
    expect(content).not.toContain(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const parsed = parseKeyFile(content, new Set(['default', 'pro']));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.keys).toHaveLength(1);
    expect(parsed.keys[0]).toMatchObject({ id, user: 'alice', tier: 'pro' });
    expect(parsed.keys[0].digest.equals(sha256(key))).toBe(true);
    expect(parsed.keys[0].patterns.map((p) => p.source)).toEqual(['echo', 'chat:*']);
  });

  it('appends to a YAML file keeping its comments, and to a JSON file as JSON', () => {
    const yamlFile = temp();
    writeFileSync(
      yamlFile,
      '# managed by ops\nkeys:\n  - id: old\n    user: bob\n    sha256: ' +
        'a'.repeat(64) +
        '\n    ols: ["*"]\n',
    );
    const first = createKey({
      user: 'carol',
      ols: ['echo'],
      id: 'carol-1',
      trustForwardedUser: true,
      file: yamlFile,
    });
    const yaml = readFileSync(yamlFile, 'utf8');
    expect(yaml).toContain('# managed by ops');
    const parsed = parseKeyFile(yaml);
    expect(parsed.ok && parsed.keys.map((k) => [k.id, k.trustForwardedUser])).toEqual([
      ['old', false],
      ['carol-1', true],
    ]);
    expect(first.id).toBe('carol-1');

    const jsonFile = temp();
    writeFileSync(jsonFile, '[]');
    createKey({ user: 'dave', ols: ['*'], file: jsonFile });
    expect(JSON.parse(readFileSync(jsonFile, 'utf8'))).toHaveLength(1);
  });

  it('marks a key admin when asked, and only then', () => {
    const file = temp();
    createKey({ user: 'ops', ols: ['*'], id: 'ops-1', admin: true, file });
    createKey({ user: 'fay', ols: ['*'], id: 'fay-1', file });
    const parsed = parseKeyFile(readFileSync(file, 'utf8'));
    expect(parsed.ok && parsed.keys.map((k) => [k.id, k.admin])).toEqual([
      ['ops-1', true],
      ['fay-1', false],
    ]);
  });

  it('refuses an id already in the file', () => {
    const file = temp();
    createKey({ user: 'erin', ols: ['*'], id: 'dup', file });
    expect(() => createKey({ user: 'erin', ols: ['*'], id: 'dup', file })).toThrow(/used twice/);
  });
});
