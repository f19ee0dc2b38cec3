import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { Secret } from './secret.js';
import { SecretsConfig } from './secrets.config.js';
import { SecretsError, SecretsErrorCode } from './secrets.error.js';
import { SecretsService } from './secrets.service.js';

let dir: string;
let warn: jest.SpiedFunction<Logger['warn']>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secrets-service-'));
  warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

function put(name: string, value: string, mode = 0o600): void {
  writeFileSync(join(dir, name), value);
  chmodSync(join(dir, name), mode);
}

function service(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): SecretsService {
  const secrets = Object.assign(new SecretsConfig(), { dir });
  return new SecretsService(secrets, env, new LoadedConfiguration(config, [], 'hash'));
}

const warnings = (): string[] => warn.mock.calls.map((c) => String(c[0]));

describe('SecretsService', () => {
  it('resolves every reference in the configuration at boot', () => {
    put('a_key', 'value-of-a\n');
    const s = service(
      {
        connectors: [{ apiKey: { secret: 'a_key' } }],
        ols: { x: { token: { secret: 'b_token' } } },
      },
      { B_TOKEN: 'value-of-b' },
    );
    expect(s.get({ secret: 'a_key' }).reveal()).toBe('value-of-a');
    expect(s.get({ secret: 'b_token' }).reveal()).toBe('value-of-b');
    expect(s.values().sort()).toEqual(['value-of-a', 'value-of-b']);
    expect(s.origins()).toEqual([
      { name: 'a_key', from: 'file' },
      { name: 'b_token', from: 'env' },
    ]);
  });

  it('stops the boot naming each missing secret, who references it and every place tried', () => {
    const attempt = () =>
      service({ a: { apiKey: { secret: 'gone_key' } }, b: [{ apiKey: { secret: 'gone_key' } }] });
    expect(attempt).toThrow(SecretsError);
    try {
      attempt();
    } catch (error) {
      expect((error as SecretsError).code).toBe(SecretsErrorCode.MISSING);
      expect((error as SecretsError).message).toBe(
        'Missing secret:\n' +
          `  - "gone_key" (referenced by a.apiKey, b[0].apiKey): not found; tried file ${join(dir, 'gone_key')}, env GONE_KEY_FILE, env GONE_KEY`,
      );
    }
  });

  it('warns once, naming the variable and never the value, when a secret comes from the environment', () => {
    const s = service({ a: { apiKey: { secret: 'env_key' } } }, { ENV_KEY: 'the-env-value' });
    s.resolve('env_key');
    s.resolve('env_key');
    const fromEnv = warnings().filter((w) => w.includes('ENV_KEY'));
    expect(fromEnv).toEqual([
      `secret "env_key" taken from the environment variable ENV_KEY; prefer a file in ${dir}`,
    ]);
    expect(warnings().join('\n')).not.toContain('the-env-value');
  });

  it('warns about a secret file readable by group or others', () => {
    put('loose_key', 'value', 0o644);
    service({ a: { apiKey: { secret: 'loose_key' } } });
    expect(warnings()).toEqual([
      `secret file ${join(dir, 'loose_key')} is readable by group or others (mode 644); chmod 600 it`,
    ]);
  });

  it('re-reads a secret on resolve(), keeping old values for the scrubber and telling listeners', () => {
    put('api_keys', 'first');
    const s = service({});
    const changed = jest.fn();
    s.onNewValue(changed);
    expect(s.resolve('api_keys')?.reveal()).toBe('first');
    expect(s.resolve('api_keys')?.reveal()).toBe('first');
    expect(changed).toHaveBeenCalledTimes(1);
    put('api_keys', 'second');
    expect(s.resolve('api_keys')?.reveal()).toBe('second');
    expect(changed).toHaveBeenCalledTimes(2);
    expect(s.values().sort()).toEqual(['first', 'second']);
    expect(s.resolve('nowhere')).toBeUndefined();
    put('empty', '');
    expect(() => s.resolve('empty')).toThrow(`secret "empty": file ${join(dir, 'empty')} is empty`);
  });

  it('refuses get() of a secret that was not resolved', () => {
    expect(() => service({}).get({ secret: 'never' })).toThrow(
      'secret "never" was not resolved at boot',
    );
  });
});

describe('Secret', () => {
  it('prints as [secret] however it is turned into text', () => {
    const secret = new Secret('k', 'sk-very-secret');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[secret]"}');
    expect(`${secret}`).toBe('[secret]');
    expect(String(secret)).toBe('[secret]');
    expect(inspect({ nested: { secret } })).not.toContain('sk-very-secret');
    expect(secret.reveal()).toBe('sk-very-secret');
  });
});
