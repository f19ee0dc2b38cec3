import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { FieldIncrements, KeyValueStore } from './key-value.store.js';
import { MemoryStore } from './memory.store.js';
import { RedisStore } from './redis.store.js';
import { SqliteStore } from './sqlite.store.js';
import { StorageError } from './storage.error.js';

/** Past ioredis's disconnect timeout (200 ms), short of the 2 s default it replaces. */
const DISCONNECT_SETTLE_MS = 400;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One key's counter increments, as a write of `incrementFields`. */
const one = (key: string, fields: Array<[string, number]>): FieldIncrements =>
  new Map([[key, new Map(fields)]]);

const stores: Array<
  [string, () => KeyValueStore & { onApplicationShutdown(): void | Promise<void> }]
> = [
  ['memory', () => new MemoryStore()],
  [
    'sqlite',
    () =>
      new SqliteStore({
        path: join(mkdtempSync(join(tmpdir(), 'store-')), 'store.sqlite'),
        busyTimeoutMs: 2000,
      }),
  ],
  // A prefix per run: parallel runs on one Redis never see each other's keys.
  [
    'redis',
    () =>
      new RedisStore({
        url: REDIS_URL,
        keyPrefix: `test:${randomUUID()}:`,
        commandTimeoutMs: 2000,
      }),
  ],
];

describe.each(stores)('%s store', (_name, make) => {
  let store: ReturnType<typeof make>;
  // Made in a hook: a store made while collecting tests would stay open when they are filtered out.
  beforeAll(() => {
    store = make();
  });
  afterAll(async () => {
    await store.onApplicationShutdown();
  });

  it('gets what was set, and nothing after delete', async () => {
    await store.set('a', 'one');
    expect(await store.get('a')).toBe('one');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('never-set')).toBeUndefined();
  });

  it('replaces a value and its expiry on set', async () => {
    await store.set('r', 'short-lived', 80);
    await store.set('r', 'kept');
    await sleep(150);
    expect(await store.get('r')).toBe('kept');
  });

  it('gives a value stored without expiry the window on its first increment', async () => {
    await store.set('plain', '5');
    const state = await store.increment('plain', 2, 300);
    expect(state.value).toBe(7);
    expect(state.ttlMs).toBeGreaterThan(200);
    expect(state.ttlMs).toBeLessThanOrEqual(300);
    await sleep(350);
    expect(await store.get('plain')).toBeUndefined();
  });

  it('expires a value after its ttl', async () => {
    await store.set('short', 'x', 80);
    expect(await store.get('short')).toBe('x');
    await sleep(150);
    expect(await store.get('short')).toBeUndefined();
  });

  it('counts in a fixed window: later increments do not extend it', async () => {
    const first = await store.increment('counter', 1, 300);
    expect(first.value).toBe(1);
    expect(first.ttlMs).toBeGreaterThan(200);
    await sleep(100);
    const second = await store.increment('counter', 5, 300);
    expect(second.value).toBe(6);
    expect(second.ttlMs).toBeLessThanOrEqual(first.ttlMs - 80);
    expect((await store.increment('counter', 0, 300)).value).toBe(6);
    await sleep(300);
    expect((await store.increment('counter', 1, 300)).value).toBe(1);
  });

  it('increments atomically under concurrency', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.increment('busy', 1, 5000)),
    );
    expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('adds to several counters of several keys at once and reads them all back', async () => {
    expect(await store.getFields('fields')).toEqual(new Map());
    await store.incrementFields(
      new Map([
        [
          'fields',
          new Map([
            ['requests:echo:alice', 1],
            ['input', 20],
          ]),
        ],
        ['other-fields', new Map([['input', 4]])],
      ]),
      5000,
      randomUUID(),
    );
    await store.incrementFields(
      one('fields', [
        ['requests:echo:alice', 2],
        ['output', 7],
      ]),
      5000,
      randomUUID(),
    );
    expect(await store.getFields('fields')).toEqual(
      new Map([
        ['requests:echo:alice', 3],
        ['input', 20],
        ['output', 7],
      ]),
    );
    expect(await store.getFields('other-fields')).toEqual(new Map([['input', 4]]));
  });

  it('keeps counters alive while written, and restarts them from zero once expired', async () => {
    // Real time (Redis keeps its own clock): each check is 400 ms from the expiry it must not
    // reach, so a late timer cannot fail it.
    await store.incrementFields(one('living', [['a', 1]]), 1000, randomUUID());
    await sleep(500);
    // Each write moves the whole key's expiry (to 1500 ms), counters not written included.
    await store.incrementFields(one('living', [['b', 1]]), 1000, randomUUID());
    await sleep(600);
    expect(await store.getFields('living')).toEqual(
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
    );
    await sleep(800);
    expect(await store.getFields('living')).toEqual(new Map());
    await store.incrementFields(one('living', [['b', 5]]), 1000, randomUUID());
    expect(await store.getFields('living')).toEqual(new Map([['b', 5]]));
  });
});

describe('redis store counters', () => {
  const prefix = (): string => `test:${randomUUID()}:`;
  const store = (keyPrefix = prefix(), commandTimeoutMs = 2000): RedisStore =>
    new RedisStore({ url: REDIS_URL, keyPrefix, commandTimeoutMs });

  it('applies nothing when Redis refuses a key of the write', async () => {
    const redis = store();
    try {
      await redis.set('plain', 'not counters', 60_000);
      const write = new Map([
        ['fine', new Map([['a', 1]])],
        ['plain', new Map([['a', 1]])],
      ]);
      await expect(redis.incrementFields(write, 1000, randomUUID())).rejects.toBeInstanceOf(
        StorageError,
      );
      expect(await redis.getFields('fine')).toEqual(new Map());
    } finally {
      await redis.onApplicationShutdown();
    }
  });

  it('applies a write sent twice with the same id once', async () => {
    const redis = store();
    try {
      const id = randomUUID();
      await redis.incrementFields(one('k', [['a', 1]]), 60_000, id);
      await redis.incrementFields(one('k', [['a', 1]]), 60_000, id);
      await redis.incrementFields(one('k', [['a', 1]]), 60_000, randomUUID());
      expect(await redis.getFields('k')).toEqual(new Map([['a', 2]]));
    } finally {
      await redis.onApplicationShutdown();
    }
  });

  it('applies a write whose reply timed out once, when it is sent again', async () => {
    const keyPrefix = prefix();
    const redis = store(keyPrefix, 200);
    const admin = new Redis(REDIS_URL);
    try {
      // Redis holds the write past the client's 200 ms, then applies it.
      await admin.call('CLIENT', 'PAUSE', '600', 'WRITE');
      const id = randomUUID();
      const write = one('k', [['a', 1]]);
      await expect(redis.incrementFields(write, 60_000, id)).rejects.toBeInstanceOf(StorageError);
      await sleep(700);
      await redis.incrementFields(write, 60_000, id);
      expect(await redis.getFields('k')).toEqual(new Map([['a', 1]]));
      expect(await admin.pttl(`${keyPrefix}applied:${id}`)).toBeGreaterThan(0);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      await admin.quit();
      await redis.onApplicationShutdown();
    }
  });

  it('never shows another connection part of a write', async () => {
    const keyPrefix = prefix();
    const writers = [store(keyPrefix), store(keyPrefix)];
    const reader = store(keyPrefix);
    try {
      const write = one('busy', [
        ['x', 1],
        ['y', 3],
      ]);
      const reads: Array<Map<string, number>> = [];
      let writing = true;
      const reading = (async () => {
        while (writing) reads.push(await reader.getFields('busy'));
      })();
      // Two writers one write after the other each, while the reader reads in between.
      await Promise.all(
        writers.map(async (writer) => {
          for (let i = 0; i < 200; i++) await writer.incrementFields(write, 60_000, randomUUID());
        }),
      );
      writing = false;
      await reading;
      expect(await reader.getFields('busy')).toEqual(
        new Map([
          ['x', 400],
          ['y', 1200],
        ]),
      );
      expect(reads.length).toBeGreaterThan(50);
      const torn = reads.filter((read) => (read.get('y') ?? 0) !== 3 * (read.get('x') ?? 0));
      expect(torn).toEqual([]);
    } finally {
      await Promise.all([...writers, reader].map((redis) => redis.onApplicationShutdown()));
    }
  });
});

describe('redis store without a reachable Redis', () => {
  it('fails commands promptly with a StorageError that does not print the URL', async () => {
    const store = new RedisStore({
      url: 'redis://user:pw-secret@127.0.0.1:1',
      keyPrefix: 'x:',
      commandTimeoutMs: 300,
    });
    try {
      const started = Date.now();
      const error = await store.increment('k', 1, 1000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).not.toContain('pw-secret');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await store.onApplicationShutdown();
    }
  });

  it('leaves no timer running once shut down while Redis is away', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'x:',
      commandTimeoutMs: 300,
    });
    await store.get('k').catch(() => undefined);
    await store.onApplicationShutdown();
    await sleep(DISCONNECT_SETTLE_MS);
    // A timer left behind would hold the process (and Jest) open after the app closed.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('redis store with a password', () => {
  // A throwaway ACL user on the local Redis, allowed only its own keys.
  const user = `test-${randomUUID()}`;
  const prefix = `test:${randomUUID()}:`;
  let admin: Redis;
  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    await admin.call('ACL', 'SETUSER', user, 'on', '>right-password', `~${prefix}*`, '+@all');
  });
  afterAll(async () => {
    await admin.call('ACL', 'DELUSER', user);
    await admin.quit();
  });

  const url = (): string => {
    const parsed = new URL(REDIS_URL);
    parsed.username = user;
    parsed.password = '';
    return parsed.href;
  };
  const attempt = async (password: string): Promise<unknown> => {
    const store = new RedisStore({
      url: url(),
      password,
      keyPrefix: prefix,
      commandTimeoutMs: 500,
    });
    try {
      return await store.increment('k', 1, 1000).catch((e: unknown) => e);
    } finally {
      await store.onApplicationShutdown();
    }
  };

  it('authenticates with it, and never prints it when refused', async () => {
    expect(await attempt('right-password')).toMatchObject({ value: 1 });
    const refused = await attempt('wrong-password');
    expect(refused).toBeInstanceOf(StorageError);
    expect((refused as Error).message).not.toContain('wrong-password');
  });
});
