import * as realCrypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';

// Watch every comparison the store makes: it must be node's constant-time one.
const timingSafeEqual = jest.fn(realCrypto.timingSafeEqual);
jest.unstable_mockModule('node:crypto', () => ({ ...realCrypto, timingSafeEqual }));

const { ApiKeyStore } = await import('./api-key-store.js');
const { AuthConfig } = await import('./auth.config.js');
const { RateLimitConfig } = await import('./rate-limit.config.js');
const { ServerConfig } = await import('../protocol/server.config.js');
const { SecretsService } = await import('../secrets/secrets.service.js');
const { LoadedConfiguration } = await import('../configuration/load-configuration.js');
type AuditLog = import('../logging/audit-log.js').AuditLog;

const digest = (key: string) => realCrypto.createHash('sha256').update(key).digest('hex');
const entry = (id: string, key: string, extra: object = {}) => ({
  id,
  user: id,
  sha256: digest(key),
  ols: ['*'],
  ...extra,
});

describe('ApiKeyStore', () => {
  let dir: string;
  let record: jest.Mock;
  let store: InstanceType<typeof ApiKeyStore>;

  const write = (keys: unknown) =>
    writeFileSync(
      join(dir, 'api_keys'),
      typeof keys === 'string' ? keys : JSON.stringify({ keys }),
      { mode: 0o600 },
    );

  function makeStore(host = '127.0.0.1', auth: Partial<InstanceType<typeof AuthConfig>> = {}) {
    const secretsConfig = { dir };
    const secrets = new SecretsService(secretsConfig, {}, new LoadedConfiguration({}, [], ''));
    return new ApiKeyStore(
      Object.assign(new AuthConfig(), { reloadIntervalMs: 50 }, auth),
      secretsConfig,
      new RateLimitConfig(),
      Object.assign(new ServerConfig(), { host }),
      {},
      secrets,
      { record } as unknown as AuditLog,
    );
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    record = jest.fn();
    timingSafeEqual.mockClear();
  });
  afterEach(() => store?.onModuleDestroy());

  it('compares SHA-256 digests with timingSafeEqual against every key, without early exit', () => {
    write([
      entry('a', 'sk-aaaaaaaaaaaaaaaaaaaaaaaa'),
      entry('b', 'sk-bbbbbbbbbbbbbbbbbbbbbbbb'),
      entry('c', 'sk-cccc', { disabled: true }),
    ]);
    store = makeStore();
    store.onModuleInit();

    expect(store.authenticate('sk-aaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({
      ok: true,
      key: { id: 'a' },
    });
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
    for (const [a, b] of timingSafeEqual.mock.calls as Array<[Buffer, Buffer]>) {
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
    }
    expect(store.authenticate('sk-nope')).toEqual({ ok: false, reason: 'unknown' });
    expect(store.authenticate('sk-cccc')).toEqual({ ok: false, reason: 'disabled', keyId: 'c' });
    expect(timingSafeEqual).toHaveBeenCalledTimes(9);
  });

  it('reloads when the file changes, keeps the last good set on a bad file', async () => {
    write([entry('a', 'key-a')]);
    store = makeStore();
    store.onModuleInit();
    expect(store.authenticate('key-b').ok).toBe(false);
    await sleep(100); // the watcher's first stat

    write([entry('a', 'key-a'), entry('b', 'key-b')]);
    await waitFor(() => store.authenticate('key-b').ok);
    expect(record).toHaveBeenCalledWith(
      'keys.reloaded',
      expect.objectContaining({ trigger: 'file change', keys: 2 }),
    );

    await sleep(100);
    write('keys: [ {id: broken');
    await waitFor(() => record.mock.calls.some(([event]) => event === 'keys.reload_failed'));
    expect(store.authenticate('key-a').ok).toBe(true);
    expect(store.authenticate('key-b').ok).toBe(true);
  });

  it('reloads at once on SIGHUP', () => {
    write([entry('a', 'key-a')]);
    store = makeStore('127.0.0.1', { reloadIntervalMs: 3_600_000 });
    store.onModuleInit();
    write([entry('c', 'key-c')]);
    // Jest gives tests their own `process` object: emit on it rather than signalling the worker.
    process.emit('SIGHUP', 'SIGHUP');
    expect(store.authenticate('key-c').ok).toBe(true);
    expect(store.authenticate('key-a').ok).toBe(false);
    expect(record).toHaveBeenCalledWith(
      'keys.reloaded',
      expect.objectContaining({ trigger: 'SIGHUP' }),
    );
  });

  it('stops listening for SIGHUP and file changes once destroyed', async () => {
    const listeners = process.listenerCount('SIGHUP');
    write([entry('a', 'key-a')]);
    store = makeStore();
    store.onModuleInit();
    expect(process.listenerCount('SIGHUP')).toBe(listeners + 1);
    store.onModuleDestroy();
    expect(process.listenerCount('SIGHUP')).toBe(listeners);

    write([entry('c', 'key-c')]);
    process.emit('SIGHUP', 'SIGHUP');
    await sleep(200); // several of the watcher's intervals
    expect(store.authenticate('key-c').ok).toBe(false);
    expect(record).not.toHaveBeenCalledWith('keys.reloaded', expect.anything());
  });

  it('is off without a key file on loopback, and turns on when one appears', async () => {
    store = makeStore();
    store.onModuleInit();
    expect(store.enabled).toBe(false);
    await sleep(100);
    write([entry('a', 'key-a')]);
    await waitFor(() => store.enabled);
  });

  it('refuses a public bind without keys unless anonymous access is allowed', () => {
    for (const host of ['0.0.0.0', '::', 'my-host.example']) {
      expect(() => makeStore(host)).toThrow(/is not a loopback address and no API keys/);
    }
    makeStore('::1').onModuleDestroy();
    store = makeStore('0.0.0.0', { allowAnonymous: true });
    expect(store.enabled).toBe(false);
  });

  it('refuses to boot on a bad key file (there is no good set to keep)', () => {
    write([{ id: 'a', user: 'a', ols: [] }]);
    expect(() => makeStore()).toThrow(/give exactly one of sha256 or key/);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}
