import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { createApp } from '../src/bootstrap.js';
import { ConfigurationError } from '../src/configuration/configuration.error.js';
import { HalfDoneModule } from './fixtures/auth/half-done.logic.js';
import { WhoamiModule } from './fixtures/auth/whoami.logic.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { LogCapture } from './support/log-capture.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { postRaw } from './support/sse.js';
import { startApp, type TestApp } from './support/test-app.js';

const WINDOW_MS = 1500;
// alice has two keys: limits count per user, so they share one budget.
const alice1: TestKey = { id: 'alice-1', user: 'alice', key: newKey(), ols: ['*'] };
const alice2: TestKey = { id: 'alice-2', user: 'alice', key: newKey(), ols: ['*'] };
const bob: TestKey = { id: 'bob-1', user: 'bob', key: newKey(), ols: ['*'] };
const pro: TestKey = { id: 'pro-1', user: 'pat', key: newKey(), ols: ['*'], tier: 'pro' };
const pro2: TestKey = { id: 'pro-2', user: 'quinn', key: newKey(), ols: ['*'], tier: 'pro' };
const pro3: TestKey = { id: 'pro-3', user: 'rita', key: newKey(), ols: ['*'], tier: 'pro' };
const pro4: TestKey = { id: 'pro-4', user: 'sam', key: newKey(), ols: ['*'], tier: 'pro' };
const pro5: TestKey = { id: 'pro-5', user: 'tess', key: newKey(), ols: ['*'], tier: 'pro' };

const hi = [{ role: 'user' as const, content: 'hi' }];
let t: TestApp;

const post = (key: TestKey, model = 'urn:mvp:echo', extra: object = {}) =>
  postRaw(
    `${t.url}/v1/chat/completions`,
    { model, messages: hi, ...extra },
    { authorization: `Bearer ${key.key}` },
  );

function limitHeaders(headers: Headers) {
  return {
    limit: headers.get('x-ratelimit-limit-requests'),
    remaining: headers.get('x-ratelimit-remaining-requests'),
    reset: headers.get('x-ratelimit-reset-requests'),
  };
}

beforeAll(async () => {
  const dir = secretsDir();
  writeKeyFile(dir, [alice1, alice2, bob, pro, pro2, pro3, pro4, pro5]);
  t = await startApp({
    imports: [WhoamiModule, HalfDoneModule],
    config: {
      secrets: { dir },
      rateLimit: {
        tiers: {
          default: { requests: 3, windowMs: WINDOW_MS },
          pro: { requests: 1000, windowMs: 60_000, tokensPerMinute: 120 },
        },
        ols: { reverse: { requests: 2, windowMs: 60_000 } },
      },
    },
  });
  // The first echo loads the tokenizer (slow): keep that out of the short windows below.
  await post(bob);
});
afterAll(() => t.close());

describe('requests per window', () => {
  it('counts per user, gives 429 rate_limit_exceeded with retry-after and OpenAI headers, then resets', async () => {
    await sleep(WINDOW_MS); // start in a fresh window
    const seen = [];
    for (const key of [alice1, alice2, alice1]) {
      const res = await post(key);
      expect(res.status).toBe(200);
      seen.push(limitHeaders(res.headers));
    }
    expect(seen.map((h) => [h.limit, h.remaining])).toEqual([
      ['3', '2'],
      ['3', '1'],
      ['3', '0'],
    ]);
    expect(seen[0].reset).toMatch(/^\d+(ms|s)$/);

    const limited = await post(alice2);
    expect(limited.status).toBe(429);
    // Another user has a budget of their own.
    expect((await post(bob)).status).toBe(200);
    const sdk = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: alice1.key, maxRetries: 0 });
    await expect(sdk.models.list()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const body = JSON.parse(limited.raw) as { error: Record<string, unknown> };
    assertMatchesSpec('ErrorResponse', body); // (slow the first time: the window may end meanwhile)
    expect(body.error).toMatchObject({
      type: 'requests',
      code: 'rate_limit_exceeded',
      param: null,
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limitHeaders(limited.headers)).toMatchObject({ limit: '3', remaining: '0' });
    expect(t.logs.entries().some((e) => e.event === 'rate_limit.hit' && e.user === 'alice')).toBe(
      true,
    );

    await sleep(WINDOW_MS + 100);
    const again = await post(alice1);
    expect(again.status).toBe(200);
    expect(limitHeaders(again.headers)).toMatchObject({ limit: '3', remaining: '2' });
  });

  it('puts the headers on streamed responses too', async () => {
    await sleep(WINDOW_MS);
    const res = await post(bob, 'urn:mvp:echo', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(limitHeaders(res.headers)).toMatchObject({ limit: '3', remaining: '2' });
    expect(res.events.at(-1)).toBe('[DONE]');
  });

  it('puts the headers on errors past the guard too', async () => {
    const invalid = await post(pro, 'urn:mvp:echo', { temperature: 'hot' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-ratelimit-limit-requests')).toBe('1000');
  });

  it('applies a per-OL limit apart from the tier, reporting the tighter one', async () => {
    const first = await post(pro, 'urn:mvp:reverse');
    expect(limitHeaders(first.headers)).toMatchObject({ limit: '2', remaining: '1' });
    expect((await post(pro, 'urn:mvp:reverse:by=words')).status).toBe(200);
    const limited = await post(pro, 'urn:mvp:reverse');
    expect(limited.status).toBe(429);
    expect(limited.raw).toContain("model 'reverse'");
    // Other OLs are still served, under the tier's own (larger) limit.
    const echo = await post(pro, 'urn:mvp:echo');
    expect(echo.status).toBe(200);
    expect(echo.headers.get('x-ratelimit-limit-requests')).toBe('1000');
  });
});

describe('tokens per minute', () => {
  it('admits calls while the recorded usage is under the limit, then 429 with the -tokens headers', async () => {
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(pro2, 'urn:mvp:whoami'); // each call records 50 tokens
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('120');
      expect(res.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(ms|s|m\d+s)$/);
      remaining.push(res.headers.get('x-ratelimit-remaining-tokens'));
    }
    expect(remaining).toEqual(['120', '70', '20']);
    const limited = await post(pro2, 'urn:mvp:whoami', { stream: true });
    expect(limited.status).toBe(429);
    const body = JSON.parse(limited.raw) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(limited.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('records usage of streamed calls too', async () => {
    // pro-3 has used no tokens yet: one streamed call of 50 shows in the next call's headers.
    const streamed = await post(pro3, 'urn:mvp:whoami', { stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('x-ratelimit-remaining-tokens')).toBe('120');
    await sleep(20);
    const next = await post(pro3, 'urn:mvp:whoami');
    expect(next.headers.get('x-ratelimit-remaining-tokens')).toBe('70');
  });
});

describe('calls the client abandons', () => {
  /** Starts a half-done call, leaves once the server has begun it, and lets the server notice. */
  const abandon = async (key: TestKey, stream: boolean): Promise<void> => {
    const abort = new AbortController();
    const response = fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
      body: JSON.stringify({ model: 'urn:mvp:half-done', messages: hi, stream }),
      signal: abort.signal,
    });
    if (stream)
      await (await response).body!.getReader().read(); // the first chunk
    else await sleep(100); // no answer comes while the OL waits
    abort.abort();
    await response.catch(() => undefined);
    await sleep(100); // the server sees the disconnect, the OL fails, usage is recorded
  };
  const remainingTokens = async (key: TestKey) =>
    (await post(key, 'urn:mvp:whoami')).headers.get('x-ratelimit-remaining-tokens');

  it('count the tokens reported before the client went away from a stream', async () => {
    await abandon(pro4, true);
    expect(await remainingTokens(pro4)).toBe('70');
  });

  it('count them for an unstreamed call too', async () => {
    await abandon(pro5, false);
    expect(await remainingTokens(pro5)).toBe('70');
  });
});

describe('anonymous callers (authentication off)', () => {
  it('refuse to boot under a tier that is not configured, naming where it was set', async () => {
    const app = await createApp({
      config: {
        env: { NODE_ENV: 'test' },
        override: { secrets: { dir: secretsDir() }, rateLimit: { anonymousTier: 'gold' } },
      },
      logDestination: new LogCapture(),
    });
    const error = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      {
        source: 'override',
        path: 'rateLimit.anonymousTier',
        message: "no tier 'gold' in rateLimit.tiers",
      },
    ]);
  });

  it('are limited by IP under the anonymous tier', async () => {
    const app = await startApp({
      config: {
        secrets: { dir: secretsDir() },
        rateLimit: { tiers: { open: { requests: 2, windowMs: 60_000 } }, anonymousTier: 'open' },
      },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${app.url}/v1/models`)).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
      // X-Forwarded-For is ignored unless the proxy is trusted: it cannot buy a fresh budget.
      const spoofed = await fetch(`${app.url}/v1/models`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(spoofed.status).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('are told apart by X-Forwarded-For behind a trusted proxy (server.trustProxy)', async () => {
    const app = await startApp({
      config: {
        server: { trustProxy: ['loopback'] },
        secrets: { dir: secretsDir() },
        rateLimit: { tiers: { open: { requests: 1, windowMs: 60_000 } }, anonymousTier: 'open' },
      },
    });
    try {
      const from = async (ip: string) =>
        (await fetch(`${app.url}/v1/models`, { headers: { 'x-forwarded-for': ip } })).status;
      expect([
        await from('203.0.113.1'),
        await from('203.0.113.1'),
        await from('203.0.113.2'),
      ]).toEqual([200, 429, 200]);
    } finally {
      await app.close();
    }
  });
});
