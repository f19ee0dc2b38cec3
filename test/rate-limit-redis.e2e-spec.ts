import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { WhoamiModule } from './fixtures/auth/whoami.logic.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { postRaw } from './support/sse.js';
import { startApp, type TestApp } from './support/test-app.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const alice: TestKey = { id: 'alice-1', user: 'alice', key: newKey(), ols: ['*'] };
const bob: TestKey = { id: 'bob-1', user: 'bob', key: newKey(), ols: ['*'], tier: 'metered' };
const hi = [{ role: 'user' as const, content: 'hi' }];

/** Two replicas behind one load balancer: same key file, same Redis, same prefix. */
let replicas: TestApp[];

const post = (app: TestApp, key: TestKey, model = 'urn:mvp:whoami') =>
  postRaw(
    `${app.url}/v1/chat/completions`,
    { model, messages: hi },
    { authorization: `Bearer ${key.key}` },
  );

beforeAll(async () => {
  const dir = secretsDir();
  writeKeyFile(dir, [alice, bob]);
  // A prefix per run: parallel runs sharing the Redis never count each other's requests.
  const storage = { driver: 'redis', url: REDIS_URL, keyPrefix: `test:${randomUUID()}:` };
  const config = {
    secrets: { dir },
    storage,
    rateLimit: {
      tiers: {
        default: { requests: 4, windowMs: 30_000 },
        metered: { requests: 100, windowMs: 30_000, tokensPerMinute: 100 },
      },
    },
  };
  replicas = [
    await startApp({ imports: [WhoamiModule], config }),
    await startApp({ imports: [WhoamiModule], config }),
  ];
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
});

describe('rate limits shared through Redis', () => {
  it('two replicas enforce one combined request limit', async () => {
    const statuses: number[] = [];
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 6; i++) {
      const res = await post(replicas[i % 2], alice);
      statuses.push(res.status);
      remaining.push(res.headers.get('x-ratelimit-remaining-requests'));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(remaining).toEqual(['3', '2', '1', '0', '0', '0']);
  });

  it('two replicas share the tokens-per-minute ledger', async () => {
    expect((await post(replicas[0], bob)).headers.get('x-ratelimit-remaining-tokens')).toBe('100'); // records 50
    await sleep(50); // usage is recorded after the response
    expect((await post(replicas[1], bob)).headers.get('x-ratelimit-remaining-tokens')).toBe('50'); // records 50
    await sleep(50);
    const res = await post(replicas[0], bob);
    expect(res.status).toBe(429);
    expect(res.raw).toContain('"type":"tokens"');
  });
});

describe('when Redis is unreachable', () => {
  const unreachable = (onStorageError: 'open' | 'closed') =>
    startApp({
      config: {
        secrets: { dir: secretsDir() },
        storage: { driver: 'redis', url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 },
        rateLimit: { tiers: { default: { requests: 10 } }, onStorageError },
      },
    });

  it('fails closed by default: 503 in OpenAI shape', async () => {
    const app = await unreachable('closed');
    try {
      const res = await fetch(`${app.url}/v1/models`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'service_unavailable',
      );
    } finally {
      await app.close();
    }
  });

  it('serves unlimited when told to fail open, saying so once', async () => {
    const app = await unreachable('open');
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/v1/models`)).status).toBe(200);
      expect(app.logs.text().match(/rate limits not enforced/g)).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

describe('a Redis password given as a secret', () => {
  it('is used to connect and never logged', async () => {
    // A throwaway ACL user on the local Redis, allowed only its own keys.
    const user = `test-${randomUUID()}`;
    const keyPrefix = `test:${randomUUID()}:`;
    const password = `pw-${randomUUID()}`;
    const admin = new Redis(REDIS_URL);
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, `~${keyPrefix}*`, '+@all');
    const dir = secretsDir();
    writeKeyFile(dir, [alice]);
    writeFileSync(join(dir, 'redis_password'), password, { mode: 0o600 });
    const url = new URL(REDIS_URL);
    url.username = user;
    const app = await startApp({
      imports: [WhoamiModule],
      config: {
        secrets: { dir },
        storage: { url: url.href, password: { secret: 'redis_password' }, keyPrefix },
        rateLimit: { tiers: { default: { requests: 5 } } },
      },
    });
    try {
      const res = await post(app, alice);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('4');
      expect(await admin.exists(`${keyPrefix}rl:requests:user:alice`)).toBe(1);
      expect(app.logs.text()).not.toContain(password);
    } finally {
      await app.close();
      await admin.call('ACL', 'DELUSER', user);
      await admin.quit();
    }
  });
});
