import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { PinoLogger } from 'nestjs-pino';
import OpenAI, { APIError } from 'openai';
import type { ConfigTree } from '../src/configuration/config-layers.js';
import { startAnthropicFake } from './fakes/anthropic-fake.js';
import type { FakeUpstream } from './fakes/fake-upstream.js';
import { startOllamaFake } from './fakes/ollama-fake.js';
import { startOpenAiFake } from './fakes/openai-fake.js';
import { fakeKey, startWithConnectors } from './support/connector-app.js';
import { postRaw } from './support/sse.js';
import type { TestApp } from './support/test-app.js';

const KEY = fakeKey('sk-live');
const messages = [{ role: 'user' as const, content: 'hi' }];

interface Provider {
  name: 'openai' | 'anthropic' | 'ollama';
  start: () => Promise<FakeUpstream<unknown>>;
  baseUrl: (fakeUrl: string) => string;
}

const PROVIDERS: Provider[] = [
  {
    name: 'openai',
    start: () => startOpenAiFake({ apiKey: KEY }) as Promise<FakeUpstream<unknown>>,
    baseUrl: (u) => `${u}/v1`,
  },
  {
    name: 'anthropic',
    start: () => startAnthropicFake({ apiKey: KEY }) as Promise<FakeUpstream<unknown>>,
    baseUrl: (u) => u,
  },
  {
    name: 'ollama',
    start: () => startOllamaFake({ apiKey: KEY }) as Promise<FakeUpstream<unknown>>,
    baseUrl: (u) => u,
  },
];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connector failures as clients see them', () => {
  const fakes = new Map<string, FakeUpstream<unknown>>();
  let app: TestApp;
  /** Every error body and stream the tests received, to check that no key leaked into any. */
  const seen: string[] = [];

  beforeAll(async () => {
    const connectors: ConfigTree[] = [];
    for (const provider of PROVIDERS) {
      const fake = await provider.start();
      fakes.set(provider.name, fake);
      const common = {
        provider: provider.name,
        baseUrl: provider.baseUrl(fake.url),
        apiKey: { secret: 'upstream_key' },
        defaultModel: 'm',
      };
      connectors.push({ ...common, name: provider.name, maxRetries: 0, timeoutMs: 400 });
      connectors.push({ ...common, name: `${provider.name}-retrying`, maxRetries: 2 });
      connectors.push({
        ...common,
        name: `${provider.name}-wrongkey`,
        apiKey: { secret: 'wrong_key' },
        maxRetries: 0,
      });
    }
    connectors.push({
      name: 'nowhere',
      provider: 'openai',
      baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
      defaultModel: 'm',
      maxRetries: 0,
    });
    // At the most verbose level there is: a key in a debug or trace line leaks as surely.
    app = await startWithConnectors(
      connectors,
      { upstream_key: KEY, wrong_key: `${KEY}-wrong` },
      { logging: { level: 'trace' } },
    );
  });
  afterAll(async () => {
    await app?.close();
    for (const fake of fakes.values()) await fake.close();
  });

  async function post(body: Record<string, unknown>): Promise<Awaited<ReturnType<typeof postRaw>>> {
    const res = await postRaw(`${app.url}/v1/chat/completions`, { messages, ...body });
    seen.push(res.raw);
    return res;
  }

  describe.each(PROVIDERS.map((p) => [p.name, p] as const))('%s', (name) => {
    const model = `urn:mvp:chat:connector=${name}`;
    const fake = (): FakeUpstream<unknown> => fakes.get(name)!;

    it('passes an upstream 429 on as a 429 with its retry-after', async () => {
      fake().script({ error: { status: 429, headers: { 'retry-after': '17' } } });
      const res = await post({ model });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('17');
      expect(JSON.parse(res.raw)).toMatchObject({
        error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
      });
    });

    it('answers an upstream 500 with a 502, and the server stays up', async () => {
      fake().script({ error: { status: 500 } });
      const res = await post({ model });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.raw)).toMatchObject({
        error: { type: 'upstream_error', code: 'upstream_unavailable' },
      });
      fake().script({ text: 'fine again' });
      const after = await app.client.chat.completions.create({ model, messages });
      expect(after.choices[0].message.content).toBe('fine again');
    });

    it('answers a refused service key with a 502 (not the client’s 401) that does not quote the key', async () => {
      const res = await post({ model: `${model}-wrongkey` });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.raw)).toMatchObject({ error: { code: 'upstream_auth_failed' } });
      expect(res.raw).not.toContain(KEY);
    });

    it('passes an upstream 400 on with its message, scrubbed of the key', async () => {
      fake().script({ error: { status: 400, body: leakyBadRequest(name) } });
      const res = await post({ model });
      expect(res.status).toBe(400);
      const body = JSON.parse(res.raw) as { error: { message: string; code: string } };
      expect(body.error.code).toBe('upstream_bad_request');
      expect(body.error.message).toContain('context length exceeded');
      expect(body.error.message).toContain('[REDACTED]');
      expect(res.raw).not.toContain(KEY);
    });

    it('ends a stream cut mid-way with an error event and [DONE], without retrying it', async () => {
      fake().script({ text: 'this stream will be cut short', chunkSize: 2, dropAfter: 4 });
      const before = fake().requests.length;
      const res = await post({ model: `${model}-retrying`, stream: true });
      expect(res.status).toBe(200);
      expect(res.events.at(-1)).toBe('[DONE]');
      const last = JSON.parse(res.events.at(-2)!) as { error?: { code: string } };
      expect(last.error?.code).toBe('upstream_unavailable');
      expect(res.events.some((e) => e.includes('"content"'))).toBe(true);
      expect(fake().requests.length).toBe(before + 1);
      fake().script({ text: 'still up' });
      expect(
        (await app.client.chat.completions.create({ model, messages })).choices[0].message.content,
      ).toBe('still up');
    });

    it('ends a stream with an error event when the upstream reports an error mid-stream', async () => {
      fake().script({
        text: 'abcdefgh',
        chunkSize: 2,
        streamError: { after: 4, type: 'overloaded_error', message: 'Overloaded: model crashed' },
      });
      const res = await post({ model, stream: true });
      expect(res.status).toBe(200);
      expect(res.events.some((e) => e.includes('"content"'))).toBe(true);
      expect(res.events.at(-1)).toBe('[DONE]');
      const last = JSON.parse(res.events.at(-2)!) as { error?: { code: string; message: string } };
      expect(last.error?.code).toBe('upstream_unavailable');
      expect(last.error?.message).toContain('Overloaded');
      // Said mid-stream: no HTTP status was involved.
      expect(last.error?.message).not.toContain('HTTP');
    });

    it('answers an unstreamed request cut mid-way with a 502', async () => {
      fake().script({ text: 'cut', dropAfter: 0 });
      const res = await post({ model });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.raw)).toMatchObject({ error: { code: 'upstream_unavailable' } });
    });

    it('retries 500 and 429 before the first byte, then answers', async () => {
      fake().script(
        { error: { status: 500 } },
        { error: { status: 429, headers: { 'retry-after': '0' } } },
        { text: 'third time lucky' },
      );
      const before = fake().requests.length;
      const completion = await app.client.chat.completions.create({
        model: `${model}-retrying`,
        messages,
      });
      expect(completion.choices[0].message.content).toBe('third time lucky');
      expect(fake().requests.length).toBe(before + 3);
    });

    it('answers an upstream that does not answer within timeoutMs with a 504', async () => {
      fake().script({ text: 'too late', headersDelayMs: 1500 });
      const started = Date.now();
      const res = await post({ model });
      expect(res.status).toBe(504);
      expect(JSON.parse(res.raw)).toMatchObject({ error: { code: 'upstream_timeout' } });
      expect(Date.now() - started).toBeLessThan(1400);
    });

    it('ends a stream that stalls longer than timeoutMs with an upstream_timeout error event', async () => {
      fake().script({ text: 'x'.repeat(80), chunkSize: 10, pauseAfter: { frames: 5, ms: 1500 } });
      const res = await post({ model, stream: true });
      expect(res.events.some((e) => e.includes('xxxxxxxxxx'))).toBe(true);
      const last = JSON.parse(res.events.at(-2)!) as { error?: { code: string } };
      expect(last.error?.code).toBe('upstream_timeout');
    });

    it('closes the upstream request when the client disconnects mid-stream', async () => {
      fake().script({
        text: 'a slow answer that goes on and on and on',
        chunkSize: 2,
        delayMs: 60,
      });
      const closed = fake().nextClose();
      const controller = new AbortController();
      const stream = await app.client.chat.completions.create(
        { model, messages, stream: true },
        { signal: controller.signal },
      );
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break; // leaving the loop aborts the SDK's request
      }
      controller.abort();
      const started = Date.now();
      await closed;
      expect(Date.now() - started).toBeLessThan(1000);
      fake().script({ text: 'next' });
      expect(
        (await app.client.chat.completions.create({ model, messages })).choices[0].message.content,
      ).toBe('next');
    });

    it('closes the upstream request when the client disconnects before an unstreamed answer, and does not retry it', async () => {
      // The retrying connector: a 10-minute timeout, so only the disconnect can close it.
      fake().script({ text: 'too late', headersDelayMs: 5000 });
      const before = fake().requests.length;
      const closed = fake().nextClose();
      const controller = new AbortController();
      const pending = app.client.chat.completions
        .create({ model: `${model}-retrying`, messages }, { signal: controller.signal })
        .catch((e: unknown) => e);
      while (fake().requests.length === before) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      const started = Date.now();
      await closed;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
      await new Promise((r) => setTimeout(r, 700)); // longer than the first retry's backoff
      expect(fake().requests.length).toBe(before + 1);
    });
  });

  it.each([
    ['openai', { error: { message: 'backend crashed', code: 500 } }, 'backend crashed'],
    ['openai', { object: 'list', data: [] }, 'not a chat completion'],
    ['anthropic', { type: 'error', error: { type: 'api_error' } }, 'not a message'],
    ['ollama', { error: 'backend crashed' }, 'backend crashed'],
  ])('answers a %s 200 whose body is not an answer with a 502 (%j)', async (name, body, said) => {
    // An HTTP 200 carrying this body (some OpenAI-compatible servers do this on failure).
    fakes.get(name)!.script({ error: { status: 200, body } });
    const res = await post({ model: `urn:mvp:chat:connector=${name}` });
    expect(res.status).toBe(502);
    const error = (JSON.parse(res.raw) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toContain(said);
  });

  it('answers an upstream that refuses connections with a 502', async () => {
    const error = await app.client.chat.completions
      .create({ model: 'urn:mvp:chat:connector=nowhere', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe('upstream_unavailable');
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('never lets the upstream key reach a log line of any level or a response', () => {
    expect(PinoLogger.root.isLevelEnabled('trace')).toBe(true);
    expect(seen.length).toBeGreaterThan(20);
    for (const body of seen) expect(body).not.toContain(KEY);
    expect(app.logs.lines.length).toBeGreaterThan(20);
    expect(app.logs.text()).not.toContain(KEY);
    expect(app.logs.text()).not.toContain(`${KEY}-wrong`);
  });
});

/** A provider's 400 that quotes the key, as some gateways do. */
function leakyBadRequest(provider: string): unknown {
  const message = `context length exceeded for key ${KEY}`;
  if (provider === 'openai')
    return {
      error: {
        message,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    };
  if (provider === 'anthropic')
    return { type: 'error', error: { type: 'invalid_request_error', message } };
  return { error: message };
}
