import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Request } from 'express';
import type { Usage } from '../common/chat.types.js';
import { setCaller } from '../common/request-caller.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import { MemoryStore } from '../storage/memory.store.js';
import { UsageLedger } from './usage-ledger.js';

const DAY_MS = 86_400_000;
const MARCH_1 = Date.UTC(2026, 2, 1);
const march1 = MARCH_1 / DAY_MS;

const callBy = (caller: CallerIdentity): Request => {
  const req = {} as Request;
  setCaller(req, caller);
  return req;
};
const usage = (input: number, output: number, cached?: number): Usage => ({
  prompt_tokens: input,
  completion_tokens: output,
  total_tokens: input + output,
  ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
});

describe('UsageLedger', () => {
  let store: MemoryStore;
  let ledger: UsageLedger;
  beforeEach(() => {
    jest.useFakeTimers({ now: MARCH_1 + 12 * 3_600_000 });
    store = new MemoryStore();
    ledger = new UsageLedger(store, { flushMs: 1000, retentionDays: 400 });
  });
  afterEach(async () => {
    await ledger.onApplicationShutdown();
    store.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('sums calls per user and OL, and writes each key once per flush', async () => {
    const write = jest.spyOn(store, 'incrementFields');
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(10, 2, 4));
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(5, 1));
    ledger.record(callBy({ userId: 'alice' }), 'chat', usage(7, 3));
    ledger.record(callBy({ userId: 'bob' }), 'echo', usage(1, 1, 0));
    expect(write).not.toHaveBeenCalled();
    await ledger.flush();
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0][2]).toBe(400 * DAY_MS);

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

  it('also splits the calls of a user by end user, under a key of its own', async () => {
    ledger.record(callBy({ userId: 'webui', endUser: 'eve:42' }), 'chat', usage(10, 5));
    ledger.record(callBy({ userId: 'webui', endUser: 'sam' }), 'chat', usage(1, 1));
    ledger.record(callBy({ userId: 'webui' }), 'chat', usage(2, 2));
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

  it('counts each call on the UTC day it ended', async () => {
    jest.setSystemTime(MARCH_1 - 1);
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(1, 1));
    jest.setSystemTime(MARCH_1);
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(2, 2));
    const [february28, march] = await ledger.read(march1 - 1, march1 + 1);
    expect(february28.map((row) => row.inputTokens)).toEqual([1]);
    expect(march.map((row) => row.inputTokens)).toEqual([2]);
  });

  it('writes on its own every flushMs', async () => {
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(3, 4));
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

  it('keeps what the store refused, with what came since, for the next flush', async () => {
    const write = jest
      .spyOn(store, 'incrementFields')
      .mockRejectedValueOnce(new Error('Redis command failed: timeout'));
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(3, 4));
    await ledger.flush();
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(1, 1));
    await ledger.flush();
    expect(write).toHaveBeenCalledTimes(2);
    const [day] = await ledger.read(march1, march1 + 1);
    expect(day).toEqual([
      expect.objectContaining({ requests: 2, inputTokens: 4, outputTokens: 5 }),
    ]);
  });

  it('writes what is pending at shutdown', async () => {
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(3, 4));
    await ledger.onApplicationShutdown();
    expect((await store.getFields('usage:2026-03-01')).get('input:echo:alice')).toBe(3);
  });

  it('counts amounts that are not whole positive numbers as nothing', async () => {
    ledger.record(callBy({ userId: 'alice' }), 'echo', usage(Number.NaN, -3, 2.7));
    await ledger.flush();
    expect(await store.getFields('usage:2026-03-01')).toEqual(
      new Map([
        ['requests:echo:alice', 1],
        ['cached:echo:alice', 2],
      ]),
    );
  });
});
