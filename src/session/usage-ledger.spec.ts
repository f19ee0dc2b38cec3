import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Request } from 'express';
import { Redis } from 'ioredis';
import type { Usage } from '../common/chat.types.js';
import { setCaller } from '../common/request-caller.js';
import { MemoryStore } from '../storage/memory.store.js';
import { RedisStore } from '../storage/redis.store.js';
import { UsageLedger } from './usage-ledger.js';
import { UsageConfig } from './usage.config.js';

const DAY_MS = 86_400_000;
const MARCH_1 = Date.UTC(2026, 2, 1);
const march1 = MARCH_1 / DAY_MS;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const by = (userId: string): Request => {
  const req = {} as Request;
  setCaller(req, { userId });
  return req;
};
const usage = (input: number, output: number, cached?: number): Usage => ({
  prompt_tokens: input,
  completion_tokens: output,
  total_tokens: input + output,
  ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
});
const config = (overrides: Partial<UsageConfig> = {}): UsageConfig =>
  Object.assign(new UsageConfig(), { flushMs: 1000, retentionDays: 400 }, overrides);
const timeout = (): Error => new Error('Redis command failed: Command timed out');

describe('UsageLedger', () => {
  let store: MemoryStore;
  let ledger: UsageLedger;
  let errors: jest.Spied<Logger['error']>;
  let warnings: jest.Spied<Logger['warn']>;
  const start = (overrides: Partial<UsageConfig> = {}): UsageLedger =>
    (ledger = new UsageLedger(store, config(overrides)));
  beforeEach(() => {
    jest.useFakeTimers({ now: MARCH_1 + 12 * 3_600_000 });
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = new MemoryStore();
    start();
  });
  afterEach(async () => {
    await ledger.onApplicationShutdown();
    store.onApplicationShutdown();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('sums calls per user and OL, and writes them in one store write per flush', async () => {
    const write = jest.spyOn(store, 'incrementFields');
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(10, 2, 4) });
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(5, 1) });
    ledger.record(by('alice'), { logicId: 'chat', usage: usage(7, 3) });
    ledger.record(by('bob'), { logicId: 'echo', usage: usage(1, 1, 0) });
    expect(write).not.toHaveBeenCalled();
    await ledger.flush();
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0][1]).toBe(400 * DAY_MS);

    const [day] = await ledger.read(march1, march1 + 1);
    expect(day).toEqual(
      expect.arrayContaining([
        {
          userId: 'alice',
          logicId: 'echo',
          requests: 2,
          inputTokens: 15,
          outputTokens: 3,
          cachedInputTokens: 4,
        },
        {
          userId: 'alice',
          logicId: 'chat',
          requests: 1,
          inputTokens: 7,
          outputTokens: 3,
          cachedInputTokens: 0,
        },
        {
          userId: 'bob',
          logicId: 'echo',
          requests: 1,
          inputTokens: 1,
          outputTokens: 1,
          cachedInputTokens: 0,
        },
      ]),
    );
    expect(day).toHaveLength(3);
  });

  it('counts a call that reported no usage as a request with no tokens', async () => {
    ledger.record(by('alice'), { logicId: 'chat' });
    const [day] = await ledger.read(march1, march1 + 1);
    expect(day).toEqual([
      {
        userId: 'alice',
        logicId: 'chat',
        requests: 1,
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
      },
    ]);
  });

  it('keeps no per-end-user counters unless usage.perEndUser is on', async () => {
    ledger.record(by('webui'), { logicId: 'chat', usage: usage(10, 5), endUser: 'eve' });
    await ledger.flush();
    expect(await store.getFields('usage:2026-03-01:webui')).toEqual(new Map());
    expect((await store.getFields('usage:2026-03-01')).get('requests:chat:webui')).toBe(1);
  });

  it('with usage.perEndUser, also splits the calls of a user by end user', async () => {
    start({ perEndUser: true });
    ledger.record(by('webui'), { logicId: 'chat', usage: usage(10, 5), endUser: 'eve:42' });
    ledger.record(by('webui'), { logicId: 'chat', usage: usage(1, 1), endUser: 'sam' });
    ledger.record(by('webui'), { logicId: 'chat', usage: usage(2, 2) });
    await ledger.flush();
    expect(await store.getFields('usage:2026-03-01:webui')).toEqual(
      new Map([
        ['requests:chat:eve:42', 1],
        ['input:chat:eve:42', 10],
        ['output:chat:eve:42', 5],
        ['requests:chat:sam', 1],
        ['input:chat:sam', 1],
        ['output:chat:sam', 1],
      ]),
    );
    const [day] = await ledger.read(march1, march1 + 1);
    expect(day).toEqual([
      {
        userId: 'webui',
        logicId: 'chat',
        requests: 3,
        inputTokens: 13,
        outputTokens: 8,
        cachedInputTokens: 0,
      },
    ]);
  });

  it('counts an end user id longer than 256 characters under its SHA-256 digest', async () => {
    start({ perEndUser: true });
    const long = 'x'.repeat(200_000);
    ledger.record(by('webui'), { logicId: 'echo', usage: usage(1, 1), endUser: long });
    ledger.record(by('webui'), { logicId: 'echo', usage: usage(1, 1), endUser: 'y'.repeat(256) });
    await ledger.flush();
    const digest = createHash('sha256').update(long).digest('hex');
    const names = [...(await store.getFields('usage:2026-03-01:webui')).keys()];
    expect(names.filter((name) => name.startsWith('requests:'))).toEqual([
      `requests:echo:sha256:${digest}`,
      `requests:echo:${'y'.repeat(256)}`,
    ]);
  });

  it('sums the end users of a user past usage.maxEndUsersPerUser in a day as ~other', async () => {
    start({ perEndUser: true, maxEndUsersPerUser: 2 });
    for (const endUser of ['a', 'b', 'c', 'a', 'd'])
      ledger.record(by('webui'), { logicId: 'echo', usage: usage(1, 0), endUser });
    ledger.record(by('bob'), { logicId: 'echo', usage: usage(1, 0), endUser: 'z' });
    await ledger.flush();
    const webui = await store.getFields('usage:2026-03-01:webui');
    expect([...webui].filter(([name]) => name.startsWith('requests:'))).toEqual([
      ['requests:echo:a', 2],
      ['requests:echo:b', 1],
      ['requests:echo:~other', 2],
    ]);
    expect((await store.getFields('usage:2026-03-01:bob')).get('requests:echo:z')).toBe(1);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0][0])).toContain("user 'webui' has more than 2 end users");
    // The next day, each user starts again.
    jest.setSystemTime(MARCH_1 + DAY_MS);
    ledger.record(by('webui'), { logicId: 'echo', usage: usage(1, 0), endUser: 'c' });
    await ledger.flush();
    expect(String(warnings.mock.calls[1][0])).toContain("2 call(s) of user 'webui' on 2026-03-01");
    expect((await store.getFields('usage:2026-03-02:webui')).get('requests:echo:c')).toBe(1);
  });

  it('counts each call on the UTC day it ended', async () => {
    jest.setSystemTime(MARCH_1 - 1);
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(1, 1) });
    jest.setSystemTime(MARCH_1);
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(2, 2) });
    const [february28, march] = await ledger.read(march1 - 1, march1 + 1);
    expect(february28.map((row) => row.inputTokens)).toEqual([1]);
    expect(march.map((row) => row.inputTokens)).toEqual([2]);
  });

  it('writes on its own every flushMs', async () => {
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(3, 4) });
    await jest.advanceTimersByTimeAsync(999);
    expect(await store.getFields('usage:2026-03-01')).toEqual(new Map());
    await jest.advanceTimersByTimeAsync(1);
    expect(await store.getFields('usage:2026-03-01')).toEqual(
      new Map([
        ['requests:echo:alice', 1],
        ['input:echo:alice', 3],
        ['output:echo:alice', 4],
      ]),
    );
  });

  it('sends a refused write again whole, with its id, and what came since apart', async () => {
    const write = jest.spyOn(store, 'incrementFields').mockRejectedValueOnce(timeout());
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(3, 4) });
    await ledger.flush();
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(1, 1) });
    await ledger.flush();
    expect(write).toHaveBeenCalledTimes(3);
    const [first, again, next] = write.mock.calls;
    // The same id: a store that applied the first try (its reply lost) ignores the second.
    expect(again[2]).toBe(first[2]);
    expect(again[0]).toEqual(first[0]);
    expect(next[2]).not.toBe(first[2]);
    expect(next[0]).toEqual(
      new Map([
        [
          'usage:2026-03-01',
          new Map([
            ['requests:echo:alice', 1],
            ['input:echo:alice', 1],
            ['output:echo:alice', 1],
          ]),
        ],
      ]),
    );
    const [day] = await ledger.read(march1, march1 + 1);
    expect(day).toEqual([
      expect.objectContaining({ requests: 2, inputTokens: 4, outputTokens: 5 }),
    ]);
  });

  it('while the store refuses the kept write, sends nothing else and holds at most maxPendingCounters', async () => {
    start({ maxPendingCounters: 100 });
    const write = jest.spyOn(store, 'incrementFields').mockRejectedValue(timeout());
    // 3 counters a call (requests, input, output): 10 calls fail in the first write.
    for (let i = 0; i < 10; i++)
      ledger.record(by(`user-${i}`), { logicId: 'echo', usage: usage(1, 1) });
    await ledger.flush();
    // 70 more counters fit (100 in all), the 30 calls after them do not.
    for (let i = 10; i < 60; i++)
      ledger.record(by(`user-${i}`), { logicId: 'echo', usage: usage(1, 1) });
    // Calls adding to counters held already still count.
    for (let i = 0; i < 5; i++)
      ledger.record(by('user-10'), { logicId: 'echo', usage: usage(1, 1) });
    await ledger.flush();
    expect(write).toHaveBeenCalledTimes(2);
    expect(write.mock.calls[1][2]).toBe(write.mock.calls[0][2]);
    expect(errors.mock.calls.map(([message]) => String(message))).toContain(
      'usage of 27 call(s) dropped: 100 counters (usage.maxPendingCounters) held while the store refused writes',
    );

    write.mockRestore();
    await ledger.flush();
    const [day] = await ledger.read(march1, march1 + 1);
    expect(day.reduce((sum, row) => sum + row.requests, 0)).toBe(10 + 23 + 5);
    expect(day.find((row) => row.userId === 'user-10')?.requests).toBe(6);
  });

  it('skips its timer while a write is running, and a flush waits for it then runs one more', async () => {
    const apply = store.incrementFields.bind(store);
    const write = jest.spyOn(store, 'incrementFields').mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 4500));
      return apply(...args);
    });
    for (let i = 0; i < 10; i++) {
      ledger.record(by('alice'), { logicId: 'echo', usage: usage(1, 1) });
      await jest.advanceTimersByTimeAsync(1000);
    }
    // Ticks at 1 s (a write until 5.5 s) and 6 s (until 10.5 s); the others found one running.
    expect(write).toHaveBeenCalledTimes(2);
    let flushed = 0;
    const flushes = Array.from({ length: 5 }, () => ledger.flush().then(() => flushed++));
    await jest.advanceTimersByTimeAsync(1000);
    expect(flushed).toBe(0);
    // The one more write all five flushes wait for ends at 15 s.
    await jest.advanceTimersByTimeAsync(4000);
    await Promise.all(flushes);
    expect(flushed).toBe(5);
    expect(write).toHaveBeenCalledTimes(3);
    write.mockRestore();
    expect((await store.getFields('usage:2026-03-01')).get('requests:echo:alice')).toBe(10);
  });

  it('writes what is pending at shutdown, and calls that end after it one by one', async () => {
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(3, 4) });
    await ledger.onApplicationShutdown();
    expect((await store.getFields('usage:2026-03-01')).get('input:echo:alice')).toBe(3);
    // A stream cut by the shutdown reports its usage later; the store closes after the ledger.
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(2, 1) });
    await jest.advanceTimersByTimeAsync(0);
    expect((await store.getFields('usage:2026-03-01')).get('input:echo:alice')).toBe(5);
  });

  it('at shutdown, counts as lost only what the store refused', async () => {
    jest.spyOn(store, 'incrementFields').mockRejectedValue(timeout());
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(3, 4) });
    await ledger.flush();
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(1, 1) });
    ledger.record(by('bob'), { logicId: 'echo', usage: usage(1, 1) });
    await ledger.onApplicationShutdown();
    expect(errors.mock.calls.map(([message]) => String(message))).toContain(
      'usage of 3 call(s) (11 tokens) lost: the store refused it',
    );
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(1, 1) });
    await jest.advanceTimersByTimeAsync(0);
    expect(String(errors.mock.lastCall?.[0])).toMatch(
      /^usage of 1 call lost: the store refused it after shutdown/,
    );
  });

  it('counts amounts that are not whole positive numbers as nothing', async () => {
    ledger.record(by('alice'), { logicId: 'echo', usage: usage(Number.NaN, -3, 2.7) });
    await ledger.flush();
    expect(await store.getFields('usage:2026-03-01')).toEqual(
      new Map([
        ['requests:echo:alice', 1],
        ['cached:echo:alice', 2],
      ]),
    );
  });
});

describe('UsageLedger on Redis', () => {
  it('counts a call once when its write timed out in the client but Redis applied it', async () => {
    const store = new RedisStore({
      url: REDIS_URL,
      keyPrefix: `test:${randomUUID()}:`,
      commandTimeoutMs: 200,
    });
    const ledger = new UsageLedger(store, config({ flushMs: 3_600_000 }));
    const admin = new Redis(REDIS_URL);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const write = jest.spyOn(store, 'incrementFields');
    try {
      await admin.call('CLIENT', 'PAUSE', '600', 'WRITE');
      ledger.record(by('alice'), { logicId: 'echo', usage: usage(100, 10) });
      await ledger.flush();
      await expect(write.mock.results[0].value).rejects.toThrow(/timed out/);
      ledger.record(by('alice'), { logicId: 'echo', usage: usage(1, 1) });
      await sleep(700);
      const today = Math.floor(Date.now() / DAY_MS);
      const [day] = await ledger.read(today, today + 1);
      expect(day).toEqual([
        expect.objectContaining({ userId: 'alice', requests: 2, inputTokens: 101 }),
      ]);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      await admin.quit();
      await ledger.onApplicationShutdown();
      await store.onApplicationShutdown();
      jest.restoreAllMocks();
    }
  });
});
