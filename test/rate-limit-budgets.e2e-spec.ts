import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { fakeOpenAiConnector } from './support/connector-app.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { startApp, type TestApp } from './support/test-app.js';

// Token budgets per UTC day (a tier's) and per UTC month (an OL's), through the HTTP API.
const alice: TestKey = { id: 'alice-1', user: 'alice', key: newKey(), ols: ['*'], tier: 'daily' };
const carol: TestKey = { id: 'carol-1', user: 'carol', key: newKey(), ols: ['*'], tier: 'daily' };
const bob: TestKey = { id: 'bob-1', user: 'bob', key: newKey(), ols: ['*'] };
const dave: TestKey = { id: 'dave-1', user: 'dave', key: newKey(), ols: ['*'] };

const CHAT = 'urn:mvp:chat:connector=up';
const hi = [{ role: 'user' as const, content: 'hello' }];
/** Slack for the seconds between the refusal and the test's own clock reading. */
const SLACK_S = 5;

let upstream: OpenAiFake;
let t: TestApp;

const sdk = (key: TestKey) =>
  new OpenAI({ baseURL: `${t.url}/v1`, apiKey: key.key, maxRetries: 0 });

/** One call answered with `tokens` of usage by the upstream, streamed or not, then recorded. */
async function spend(key: TestKey, tokens: number, stream = false): Promise<void> {
  upstream.script({ text: 'ok', usage: { input: tokens - 10, output: 10 } });
  if (stream) {
    const chunks = await sdk(key).chat.completions.create({ model: CHAT, messages: hi, stream });
    for await (const chunk of chunks) void chunk;
  } else {
    const completion = await sdk(key).chat.completions.create({ model: CHAT, messages: hi });
    expect(completion.usage?.total_tokens).toBe(tokens);
  }
  await sleep(30); // usage is recorded once the call has ended
}

/** The refusal a call gets, through the SDK (the upstream is not reached). */
async function refusal(key: TestKey): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await sdk(key)
    .chat.completions.create({ model: CHAT, messages: hi })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

/** The raw body of a refused call, checked against OpenAI's error schema. */
async function rawRefusal(key: TestKey): Promise<{ error: Record<string, unknown> }> {
  const res = await fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
    body: JSON.stringify({ model: CHAT, messages: hi }),
  });
  expect(res.status).toBe(429);
  const body = (await res.json()) as { error: Record<string, unknown> };
  assertMatchesSpec('ErrorResponse', body);
  return body;
}

const secondsUntil = (at: Date): number => (at.getTime() - Date.now()) / 1000;

function nextUtcMidnight(): Date {
  const at = new Date();
  at.setUTCHours(24, 0, 0, 0);
  return at;
}

function nextUtcMonth(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

beforeAll(async () => {
  upstream = await startOpenAiFake();
  const dir = secretsDir();
  writeKeyFile(dir, [alice, carol, bob, dave]);
  t = await startApp({
    config: {
      secrets: { dir },
      connectors: [fakeOpenAiConnector(upstream.url)],
      rateLimit: {
        tiers: { daily: { requests: 1000, windowMs: 60_000, tokensPerDay: 100 } },
        ols: { chat: { requests: 1000, windowMs: 60_000, tokensPerMonth: 300 } },
      },
    },
  });
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});

describe('tokens per day (a tier budget)', () => {
  it('admits calls until the day’s tokens reach the budget, streamed ones counted, then 429 insufficient_quota until midnight UTC', async () => {
    await spend(alice, 50);
    await spend(alice, 50, true); // streamed, without include_usage: counted all the same

    const error = await refusal(alice);
    expect(error.status).toBe(429);
    expect(error.code).toBe('insufficient_quota');
    expect(error.type).toBe('insufficient_quota');
    expect(error.message).toContain('tokens-per-day budget');
    expect(error.message).toContain("tier 'daily'");
    expect(error.message).toContain(nextUtcMidnight().toISOString());
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(Math.abs(retryAfter - secondsUntil(nextUtcMidnight()))).toBeLessThan(SLACK_S);
    // OpenAI's SDKs would retry a 429 at once without it.
    expect(error.headers?.get('x-should-retry')).toBe('false');
    // A budget is a quota, not a rate: no -tokens rate headers are made up for it.
    expect(error.headers?.get('x-ratelimit-limit-tokens')).toBeNull();
    expect(error.headers?.get('x-ratelimit-limit-requests')).toBe('1000');

    const body = await rawRefusal(alice);
    expect(body.error).toMatchObject({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      param: null,
    });
    expect(t.logs.entries().some((e) => e.event === 'rate_limit.hit' && e.user === 'alice')).toBe(
      true,
    );
  });

  it('leaves another user of the same tier their own budget', async () => {
    await spend(carol, 50);
    const next = await sdk(carol).chat.completions.create({ model: CHAT, messages: hi });
    expect(next.choices[0].message.content).toBeTruthy();
  });
});

describe('tokens per month (an OL budget)', () => {
  it('admits calls until the month’s tokens reach it, then 429 insufficient_quota naming the OL, until the 1st UTC', async () => {
    await spend(bob, 150, true);
    await spend(bob, 150);

    const error = await refusal(bob);
    expect(error.code).toBe('insufficient_quota');
    expect(error.message).toContain('tokens-per-month budget');
    expect(error.message).toContain("model 'chat'");
    expect(error.message).toContain(nextUtcMonth().toISOString());
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(Math.abs(retryAfter - secondsUntil(nextUtcMonth()))).toBeLessThan(SLACK_S);
    expect((await rawRefusal(bob)).error).toMatchObject({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    });

    // Other OLs are still served to bob, and the OL to other users.
    const echo = await sdk(bob).chat.completions.create({ model: 'urn:mvp:echo', messages: hi });
    expect(echo.choices[0].message.content).toBeTruthy();
    await spend(dave, 20);
  });
});
