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
});
