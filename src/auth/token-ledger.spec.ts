import { afterEach, describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { setCaller } from '../common/request-caller.js';
import { MemoryStore } from '../storage/memory.store.js';
import { Limits, RateLimitConfig } from './rate-limit.config.js';
import { TokenLedger } from './token-ledger.js';

describe('TokenLedger', () => {
  const store = new MemoryStore();
  afterEach(() => store.onApplicationShutdown());

  it('counts the tokens of a call, and nothing for one that reported no usage', async () => {
    const config = new RateLimitConfig();
    config.tiers.set(
      'default',
      Object.assign(new Limits(), { requests: 10, tokensPerMinute: 100 }),
    );
    const ledger = new TokenLedger(store, config);
    const req = {} as Request;
    setCaller(req, { userId: 'alice', keyId: 'alice-1' });

    // A call that failed before any usage: the ledger of usage counts it, this one has no tokens.
    expect(() => ledger.record(req, { logicId: 'chat' })).not.toThrow();
    ledger.record(req, {
      logicId: 'chat',
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const [window] = await ledger.windows(req, 'chat');
    expect(window).toMatchObject({ limit: 100, used: 10 });
  });

  it('records a call in the minute, UTC day and UTC month windows, each with its own key', async () => {
    const config = new RateLimitConfig();
    config.tiers.set(
      'free',
      Object.assign(new Limits(), { requests: 10, tokensPerMinute: 50, tokensPerDay: 500 }),
    );
    config.ols.set('chat', Object.assign(new Limits(), { requests: 10, tokensPerMonth: 5000 }));
    const ledger = new TokenLedger(store, config);
    const req = {} as Request;
    setCaller(req, { userId: 'carol', keyId: 'carol-1', tier: 'free' });

    ledger.record(req, {
      logicId: 'chat',
      usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const windows = await ledger.windows(req, 'chat');
    const now = Date.now();
    expect(windows.map((w) => [w.period, w.tier ?? w.logicId, w.limit, w.used])).toEqual([
      ['minute', 'free', 50, 42],
      ['day', 'free', 500, 42],
      ['month', 'chat', 5000, 42],
    ]);
    const [, day, month] = windows;
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    expect(day.resetsAt).toEqual(midnight);
    expect(Math.abs(day.resetMs - (midnight.getTime() - now))).toBeLessThan(1000);
    expect(month.resetsAt?.getUTCDate()).toBe(1);
    expect(month.resetsAt!.getTime()).toBeGreaterThan(now);
    // Another user's windows are their own.
    const other = {} as Request;
    setCaller(other, { userId: 'dave', keyId: 'dave-1', tier: 'free' });
    expect((await ledger.windows(other, 'chat')).map((w) => w.used)).toEqual([0, 0, 0]);
  });
});
