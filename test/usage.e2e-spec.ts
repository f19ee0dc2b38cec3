import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { APIError, BadRequestError } from 'openai';
import { UsageLedger } from '../src/session/usage-ledger.js';
import { KeyValueStore } from '../src/storage/key-value.store.js';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { fakeOpenAiConnector } from './support/connector-app.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { assertMatchesResponse, assertMatchesSpec } from './support/openai-spec.js';
import { startApp, type TestApp } from './support/test-app.js';

type UsageParams = Parameters<OpenAI['admin']['organization']['usage']['completions']>[0];
type UsagePage = Awaited<ReturnType<OpenAI['admin']['organization']['usage']['completions']>>;

interface Totals {
  user_id: string | null;
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  input_cached_tokens: number;
  num_model_requests: number;
}

const ops: TestKey = { id: 'ops-1', user: 'ops', key: newKey(), ols: ['*'], admin: true };
const alice: TestKey = { id: 'alice-1', user: 'alice', key: newKey(), ols: ['*'] };
const bob: TestKey = { id: 'bob-1', user: 'bob', key: newKey(), ols: ['*'] };
const webui: TestKey = {
  id: 'webui-1',
  user: 'webui',
  key: newKey(),
  ols: ['*'],
  trustForwardedUser: true,
};

const CHAT = 'urn:mvp:chat:connector=up';
const hi = [{ role: 'user' as const, content: 'hello there' }];
const DAY_SECONDS = 86_400;
/** A day back: whatever the time of day, today's bucket (and maybe yesterday's) are read. */
const since = (): number => Math.floor(Date.now() / 1000) - DAY_SECONDS;
const today = (): number => Math.floor(Date.now() / 1000 / DAY_SECONDS);
const dateOf = (day: number): string =>
  new Date(day * DAY_SECONDS * 1000).toISOString().slice(0, 10);

/** The per-end-user counters of `user` on the given days (the store's layout), summed. */
async function endUserCounters(
  t: TestApp,
  user: string,
  days: number[],
): Promise<Map<string, number>> {
  await t.app.get(UsageLedger).flush();
  const sums = new Map<string, number>();
  for (const day of days) {
    const fields = await t.app.get(KeyValueStore).getFields(`usage:${dateOf(day)}:${user}`);
    for (const [name, amount] of fields) sums.set(name, (sums.get(name) ?? 0) + amount);
  }
  return sums;
}

/** The UTC days from `from` to `to`, both included. */
const daysFrom = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

function client(t: TestApp, key: TestKey, headers: Record<string, string> = {}): OpenAI {
  // The Usage API authenticates with the admin key, as OpenAI's does; here it is any key.
  return new OpenAI({
    baseURL: `${t.url}/v1`,
    apiKey: key.key,
    adminAPIKey: key.key,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

/** Reads the endpoint through the official SDK and checks the page against OpenAI's spec. */
async function readUsage(
  t: TestApp,
  key: TestKey,
  params: Partial<UsageParams> = {},
): Promise<UsagePage> {
  const page = await client(t, key).admin.organization.usage.completions({
    start_time: since(),
    ...params,
  });
  assertMatchesResponse('usage-completions', page);
  for (const bucket of page.data)
    for (const result of bucket.results) assertMatchesSpec('UsageCompletionsResult', result);
  return page;
}

/** The page's results summed across its buckets, per user and model. */
function totals(page: UsagePage): Totals[] {
  const sums = new Map<string, Totals>();
  for (const bucket of page.data) {
    for (const result of bucket.results) {
      const r = result as Totals;
      const id = JSON.stringify([r.user_id, r.model]);
      const sum = sums.get(id) ?? {
        user_id: r.user_id,
        model: r.model,
        input_tokens: 0,
        output_tokens: 0,
        input_cached_tokens: 0,
        num_model_requests: 0,
      };
      sum.input_tokens += r.input_tokens;
      sum.output_tokens += r.output_tokens;
      sum.input_cached_tokens += r.input_cached_tokens;
      sum.num_model_requests += r.num_model_requests;
      sums.set(id, sum);
    }
  }
  return [...sums.values()];
}

async function rawGet(t: TestApp, query: string, key: TestKey) {
  const res = await fetch(`${t.url}/v1/organization/usage/completions?${query}`, {
    headers: { authorization: `Bearer ${key.key}` },
  });
  return { status: res.status, body: (await res.json()) as { error: Record<string, unknown> } };
}

describe('usage ledger: GET /v1/organization/usage/completions', () => {
  let upstream: OpenAiFake;
  let t: TestApp;
  /** What the echo OL reported to alice and bob. */
  let echoAlice: OpenAI.CompletionUsage;
  let echoBob: OpenAI.CompletionUsage;
  /** The UTC days the calls were made on (two, should they span midnight). */
  let firstDay: number;
  let lastDay: number;

  beforeAll(async () => {
    upstream = await startOpenAiFake();
    const dir = secretsDir();
    writeKeyFile(dir, [ops, alice, bob, webui]);
    t = await startApp({
      config: {
        secrets: { dir },
        connectors: [fakeOpenAiConnector(upstream.url)],
        // Only reads and shutdown write: what is counted cannot depend on a timer.
        usage: { flushMs: 3_600_000 },
      },
    });

    firstDay = today();
    // One at a time: the fake answers scripted turns in order.
    upstream.script({ text: 'one', usage: { input: 100, output: 20, cached: 30 } });
    await client(t, alice).chat.completions.create({ model: CHAT, messages: hi });

    // Streamed without include_usage: the client gets no usage, the ledger still does.
    upstream.script({ text: 'two, streamed', usage: { input: 50, output: 5, cached: 10 } });
    const stream = await client(t, alice).chat.completions.create({
      model: CHAT,
      messages: hi,
      stream: true,
    });
    for await (const chunk of stream) expect(chunk.usage ?? null).toBeNull();

    upstream.script({ text: 'three', usage: { input: 7, output: 3 } });
    await client(t, bob).chat.completions.create({ model: CHAT, messages: hi });

    echoAlice = (
      await client(t, alice).chat.completions.create({ model: 'urn:mvp:echo', messages: hi })
    ).usage!;
    const echoed = await client(t, bob).chat.completions.create({
      model: 'urn:mvp:echo',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of echoed) if (chunk.usage) echoBob = chunk.usage;

    // End users under one key: a forwarded Open WebUI user, and OpenAI's `user` field.
    upstream.script(
      { text: 'four', usage: { input: 11, output: 2 } },
      { text: 'five', usage: { input: 13, output: 4 } },
    );
    await client(t, webui, { 'X-OpenWebUI-User-Id': 'eve' }).chat.completions.create({
      model: CHAT,
      messages: hi,
    });
    await client(t, webui).chat.completions.create({ model: CHAT, messages: hi, user: 'sam' });
    lastDay = today();
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });

  it('reports what the upstream and the OLs counted, per user and model, to an admin key', async () => {
    const page = await readUsage(t, ops, { group_by: ['user_id', 'model'] });
    expect(totals(page)).toEqual(
      expect.arrayContaining([
        {
          user_id: 'alice',
          model: 'chat',
          input_tokens: 150,
          output_tokens: 25,
          input_cached_tokens: 40,
          num_model_requests: 2,
        },
        {
          user_id: 'alice',
          model: 'echo',
          input_tokens: echoAlice.prompt_tokens,
          output_tokens: echoAlice.completion_tokens,
          input_cached_tokens: 0,
          num_model_requests: 1,
        },
        {
          user_id: 'bob',
          model: 'chat',
          input_tokens: 7,
          output_tokens: 3,
          input_cached_tokens: 0,
          num_model_requests: 1,
        },
        {
          user_id: 'bob',
          model: 'echo',
          input_tokens: echoBob.prompt_tokens,
          output_tokens: echoBob.completion_tokens,
          input_cached_tokens: 0,
          num_model_requests: 1,
        },
        // End users are summed under the key's user.
        {
          user_id: 'webui',
          model: 'chat',
          input_tokens: 24,
          output_tokens: 6,
          input_cached_tokens: 0,
          num_model_requests: 2,
        },
      ]),
    );
    expect(totals(page)).toHaveLength(5);
    const [result] = page.data.flatMap((bucket) => bucket.results);
    expect(result).toMatchObject({
      object: 'organization.usage.completions.result',
      input_audio_tokens: 0,
      output_audio_tokens: 0,
      project_id: null,
      api_key_id: null,
      batch: null,
    });
  });

  it('groups by user only, by model only, or not at all', async () => {
    const byUser = totals(await readUsage(t, ops, { group_by: ['user_id'] }));
    expect(byUser.map((r) => [r.user_id, r.model, r.num_model_requests])).toEqual(
      expect.arrayContaining([
        ['alice', null, 3],
        ['bob', null, 2],
        ['webui', null, 2],
      ]),
    );
    expect(byUser).toHaveLength(3);

    const byModel = totals(await readUsage(t, ops, { group_by: ['model'] }));
    expect(byModel.find((r) => r.model === 'chat')).toMatchObject({
      user_id: null,
      input_tokens: 150 + 7 + 24,
      num_model_requests: 5,
    });
    expect(byModel).toHaveLength(2);

    const all = totals(await readUsage(t, ops));
    expect(all).toEqual([
      {
        user_id: null,
        model: null,
        input_tokens: 181 + echoAlice.prompt_tokens + echoBob.prompt_tokens,
        output_tokens: 34 + echoAlice.completion_tokens + echoBob.completion_tokens,
        input_cached_tokens: 40,
        num_model_requests: 7,
      },
    ]);
  });

  it('filters by user_ids and models', async () => {
    const page = await readUsage(t, ops, {
      group_by: ['user_id', 'model'],
      user_ids: ['bob', 'webui'],
      models: ['chat'],
    });
    expect(totals(page).map((r) => [r.user_id, r.model])).toEqual([
      ['bob', 'chat'],
      ['webui', 'chat'],
    ]);
  });

  it('shows a key that is not admin its own user only, whatever user_ids asks', async () => {
    const own = totals(await readUsage(t, bob, { group_by: ['user_id'] }));
    expect(own).toEqual([expect.objectContaining({ user_id: 'bob', num_model_requests: 2 })]);
    const others = await readUsage(t, bob, { group_by: ['user_id'], user_ids: ['alice'] });
    expect(totals(others)).toEqual([]);
    const ungrouped = totals(await readUsage(t, bob));
    expect(ungrouped).toEqual([expect.objectContaining({ user_id: null, num_model_requests: 2 })]);
  });

  it('answers one bucket per UTC day, paged with next_page', async () => {
    // A fixed range around the calls' day: the same buckets whenever the test runs.
    const start = (firstDay - 2) * DAY_SECONDS;
    const params = { start_time: start + 3600, end_time: (lastDay + 1) * DAY_SECONDS, limit: 2 };
    const first = await readUsage(t, ops, params);
    expect(first.data.map((b) => [b.start_time, b.end_time, b.results.length])).toEqual([
      [start, start + DAY_SECONDS, 0],
      [start + DAY_SECONDS, start + 2 * DAY_SECONDS, 0],
    ]);
    expect(first.has_more).toBe(true);
    const second = await readUsage(t, ops, { ...params, page: first.next_page! });
    expect(second.data.map((b) => b.start_time)).toEqual(
      daysFrom(firstDay, lastDay).map((day) => day * DAY_SECONDS),
    );
    // Not grouped: at most one result per day, all seven calls in them.
    expect(second.data.every((b) => b.results.length <= 1)).toBe(true);
    expect(totals(second)).toEqual([expect.objectContaining({ num_model_requests: 7 })]);
    expect(second).toMatchObject({ has_more: false, next_page: null });
  });

  it('keeps no per-end-user counters unless usage.perEndUser is on', async () => {
    expect(await endUserCounters(t, 'webui', daysFrom(firstDay, lastDay))).toEqual(new Map());
  });

  it('refuses what it cannot answer with OpenAI-shaped 400s naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['', 'start_time'],
      ['start_time=soon', 'start_time'],
      ['start_time=1730419200&bucket_width=1h', 'bucket_width'],
      ['start_time=1730419200&bucket_width=1m', 'bucket_width'],
      ['start_time=1730419200&group_by[]=project_id', 'group_by'],
      ['start_time=1730419200&group_by=api_key_id', 'group_by'],
      ['start_time=1730419200&limit=32', 'limit'],
      ['start_time=1730419200&end_time=1730419200', 'end_time'],
      ['start_time=1730419200&page=nonsense', 'page'],
      ['start_time=1730419200&project_ids[]=proj_1', 'project_ids'],
    ];
    for (const [query, param] of cases) {
      const res = await rawGet(t, query, ops);
      expect([query, res.status]).toEqual([query, 400]);
      assertMatchesSpec('ErrorResponse', res.body);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    const hourly = await client(t, ops)
      .admin.organization.usage.completions({ start_time: since(), bucket_width: '1h' })
      .catch((e: unknown) => e);
    expect(hourly).toBeInstanceOf(BadRequestError);
    expect((hourly as Error).message).toContain("only '1d' is supported");
  });

  it('goes through the authentication guard like every route', async () => {
    const res = await fetch(`${t.url}/v1/organization/usage/completions?start_time=0`);
    expect(res.status).toBe(401);
    assertMatchesSpec('ErrorResponse', await res.json());
  });
});

describe('usage ledger: failed calls and end users', () => {
  let upstream: OpenAiFake;
  let t: TestApp;
  let firstDay: number;
  let lastDay: number;

  beforeAll(async () => {
    upstream = await startOpenAiFake();
    const dir = secretsDir();
    writeKeyFile(dir, [ops, webui]);
    t = await startApp({
      config: {
        secrets: { dir },
        connectors: [fakeOpenAiConnector(upstream.url)],
        usage: { flushMs: 3_600_000, perEndUser: true },
      },
    });
    firstDay = today();
    upstream.script(
      { text: 'one', usage: { input: 11, output: 2 } },
      { error: { status: 500 } },
      { text: 'three', usage: { input: 13, output: 4 } },
      { text: 'four', usage: { input: 1, output: 1 } },
    );
    await client(t, webui).chat.completions.create({ model: CHAT, messages: hi, user: 'sam' });
    // The upstream fails before reporting any usage: still one request of sam's.
    const failed = await client(t, webui)
      .chat.completions.create({ model: CHAT, messages: hi, user: 'sam' })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(APIError);
    expect((failed as APIError).status).toBe(502);
    await client(t, webui, { 'X-OpenWebUI-User-Id': 'eve' }).chat.completions.create({
      model: CHAT,
      messages: hi,
    });
    await client(t, webui).chat.completions.create({ model: CHAT, messages: hi });
    lastDay = today();
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });

  it('counts a call that failed before any usage as a request with no tokens', async () => {
    const page = await readUsage(t, ops, { group_by: ['user_id', 'model'] });
    expect(totals(page)).toEqual([
      {
        user_id: 'webui',
        model: 'chat',
        input_tokens: 25,
        output_tokens: 7,
        input_cached_tokens: 0,
        num_model_requests: 4,
      },
    ]);
  });

  it("with usage.perEndUser, counts the end user the OL saw under the key's user", async () => {
    expect(await endUserCounters(t, 'webui', daysFrom(firstDay, lastDay))).toEqual(
      new Map([
        // From the `user` field, the failed call included.
        ['requests:chat:sam', 2],
        ['input:chat:sam', 11],
        ['output:chat:sam', 2],
        // From the header the key's trusted front end forwards.
        ['requests:chat:eve', 1],
        ['input:chat:eve', 13],
        ['output:chat:eve', 4],
      ]),
    );
  });
});

describe('usage ledger with authentication off', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A proxy on this machine forwards clients from elsewhere (X-Forwarded-For).
    t = await startApp({ config: { server: { trustProxy: ['loopback'] } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers clients on this machine only: others get a 403 asking for an admin key', async () => {
    const url = `${t.url}/v1/organization/usage/completions?start_time=${since()}`;
    expect((await fetch(url)).status).toBe(200);
    const remote = await fetch(url, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(remote.status).toBe(403);
    const body = (await remote.json()) as { error: Record<string, unknown> };
    assertMatchesSpec('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'permission_denied' });
    expect(body.error.message).toContain('admin API key');
    const local = await fetch(url, { headers: { 'X-Forwarded-For': '127.0.0.1' } });
    expect(local.status).toBe(200);
  });
});

describe('usage ledger across a restart', () => {
  it('writes what was pending at shutdown, read back by the next app on the same file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'usage-')), 'store.sqlite');
    // No keys (authentication off, on loopback): the ledger counts the anonymous user.
    const config = { storage: { path }, usage: { flushMs: 3_600_000 } };
    const first = await startApp({ config });
    let reported: OpenAI.CompletionUsage;
    try {
      reported = (
        await first.client.chat.completions.create({
          model: 'urn:mvp:echo',
          messages: hi,
          user: 'eve',
        })
      ).usage!;
    } finally {
      await first.close();
    }

    const second = await startApp({ config });
    try {
      const nobody: TestKey = { id: 'none', user: 'none', key: 'unused', ols: [] };
      const page = await readUsage(second, nobody, { group_by: ['user_id', 'model'] });
      expect(totals(page)).toEqual([
        {
          user_id: 'anonymous',
          model: 'echo',
          input_tokens: reported.prompt_tokens,
          output_tokens: reported.completion_tokens,
          input_cached_tokens: 0,
          num_model_requests: 1,
        },
      ]);
    } finally {
      await second.close();
    }
  });
});
