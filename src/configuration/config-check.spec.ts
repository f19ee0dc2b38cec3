import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SecretRef } from '../secrets/secret-ref.js';
// Registers the `secrets` section, as the app does.
import '../secrets/secrets.config.js';
import { checkConfiguration } from './config-check.js';
import { defineConfigSection } from './config-section.js';

class Upstream {
  @IsOptional()
  @ValidateNested()
  @Type(() => SecretRef)
  apiKey?: SecretRef;

  @IsString()
  url: string = 'http://127.0.0.1:1';
}
defineConfigSection('upstream', Upstream);

class Quota {
  @IsInt()
  requests!: number;
}
class Quotas {
  @ValidateNested({ each: true })
  @Type(() => Quota)
  byTier: Map<string, Quota> = new Map();
}
defineConfigSection('quotas', Quotas);

function setup(defaultYaml: string, secrets: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'config-check-'));
  mkdirSync(join(root, 'config'));
  mkdirSync(join(root, 'secrets'));
  writeFileSync(join(root, 'config', 'default.yaml'), defaultYaml);
  for (const [name, value] of Object.entries(secrets)) {
    writeFileSync(join(root, 'secrets', name), value);
    chmodSync(join(root, 'secrets', name), 0o600);
  }
  const env = { SECRETS_DIR: join(root, 'secrets') };
  return { root, configDir: join(root, 'config'), env };
}

describe('checkConfiguration', () => {
  it('prints the merged configuration with defaults, secret references as references', () => {
    const { configDir, env, root } = setup('upstream:\n  apiKey: { secret: up_key }\n', {
      up_key: 'sk-check-value',
    });
    writeFileSync(join(root, 'extra.yaml'), 'upstream:\n  url: redis://user:pa55word@db:6379/0\n');
    const result = checkConfiguration([join(root, 'extra.yaml')], env, configDir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('# Configuration OK: ');
    expect(result.stdout).toContain(`# secret up_key: ${join(root, 'secrets', 'up_key')}`);
    expect(result.stdout).toMatch(/^ {2}apiKey: \{ secret: up_key \}$/m);
    expect(result.stdout).not.toContain('sk-check-value');
    expect(result.stdout).not.toContain('pa55word');
    expect(parse(result.stdout)).toEqual({
      upstream: { apiKey: { secret: 'up_key' }, url: 'redis://user:***@db:6379/0' },
      quotas: { byTier: {} },
      secrets: { dir: join(root, 'secrets') },
    });
  });

  it('prints Map fields with their entries', () => {
    const { configDir, env } = setup('quotas:\n  byTier:\n    gold: { requests: 5 }\n');
    const result = checkConfiguration(['--no-secrets'], env, configDir);
    expect(result.code).toBe(0);
    expect(parse(result.stdout).quotas).toEqual({ byTier: { gold: { requests: 5 } } });
  });

  it('exits 1 with the problem list when the configuration is invalid', () => {
    const { configDir, env } = setup(
      'upstream:\n  url: 5\n  apiKey: sk-literal-secret\n  nope: 1\n',
    );
    const result = checkConfiguration([], env, configDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'Invalid configuration (3 problems):',
      expect.stringMatching(/default\.yaml:3: upstream\.apiKey: looks like a literal secret/),
      expect.stringMatching(/default\.yaml:4: upstream\.nope: unknown key \(check the spelling\)$/),
      expect.stringMatching(/default\.yaml:2: upstream\.url: expected a string; found an integer$/),
      '',
    ]);
    expect(result.stderr).not.toContain('sk-literal-secret');
  });

  it('exits 1 naming a referenced secret that cannot be found, unless told not to look', () => {
    const { configDir, env } = setup('upstream:\n  apiKey: { secret: missing_key }\n');
    const result = checkConfiguration([], env, configDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Missing secret:\n' +
        `  - "missing_key" (referenced by upstream.apiKey): not found; tried file ${join(env.SECRETS_DIR, 'missing_key')}, env MISSING_KEY_FILE, env MISSING_KEY\n`,
    );
    expect(checkConfiguration(['--no-secrets'], env, configDir).code).toBe(0);
  });

  it('warns when a secret comes from the environment', () => {
    const { configDir, env } = setup('upstream:\n  apiKey: { secret: env_key }\n');
    const result = checkConfiguration([], { ...env, ENV_KEY: 'sk-from-env' }, configDir);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: secret "env_key" comes from the environment/);
    expect(result.stdout + result.stderr).not.toContain('sk-from-env');
  });

  it('refuses unknown options', () => {
    expect(checkConfiguration(['--frobnicate'], {}, '/nonexistent').code).toBe(1);
    expect(checkConfiguration(['--help'], {}, '/nonexistent')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage/),
    });
  });
});
