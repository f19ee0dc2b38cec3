import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ProbeModule } from './fixtures/probe.logic.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { postRaw } from './support/sse.js';
import { startApp, type TestApp } from './support/test-app.js';

/**
 * A stream whose first piece is slow to come (a model thinking before it answers: the probe
 * OL waits 300 ms) opens after `server.sseHeartbeatMs` with SSE comments, so that proxies and
 * clients with idle timeouts keep the connection; the answer follows as usual.
 */
let t: TestApp;

beforeAll(async () => {
  t = await startApp({ imports: [ProbeModule], config: { server: { sseHeartbeatMs: 100 } } });
});
afterAll(() => t.close());

const messages = [{ role: 'user' as const, content: 'hi' }];
const KEEP_ALIVE = ': keep-alive';

describe('a stream whose first piece is slow to come', () => {
  it('chat completions: comments while waiting, then the chunks, [DONE]; the SDK reads it whole', async () => {
    const sse = await postRaw(`${t.url}/v1/chat/completions`, {
      model: 'urn:mvp:probe:mode=thinking',
      messages,
      stream: true,
    });
    expect(sse.status).toBe(200);
    const beats = sse.events.filter((e) => e === KEEP_ALIVE).length;
    expect(beats).toBeGreaterThanOrEqual(1);
    expect(sse.events.slice(0, beats).every((e) => e === KEEP_ALIVE)).toBe(true);
    const chunks = sse.events.slice(beats, -1).map((e) => JSON.parse(e) as object);
    for (const chunk of chunks) assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
    expect(sse.events.at(-1)).toBe('[DONE]');

    const stream = await t.client.chat.completions.create({
      model: 'urn:mvp:probe:mode=thinking',
      messages,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('ok');
  });

  it('chat completions: a failure after the stream opened is its error event, without internals', async () => {
    const sse = await postRaw(`${t.url}/v1/chat/completions`, {
      model: 'urn:mvp:probe:mode=thinking_fail',
      messages,
      stream: true,
    });
    expect(sse.status).toBe(200);
    expect(sse.events[0]).toBe(KEEP_ALIVE);
    expect(sse.events.at(-1)).toBe('[DONE]');
    const error = JSON.parse(sse.events.at(-2)!) as { error: { type: string; message: string } };
    assertMatchesSpec('ErrorResponse', error);
    expect(error.error.type).toBe('server_error');
    expect(sse.raw).not.toContain('internal detail');
  });

  it('a fast failure is still a plain JSON error with its status', async () => {
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'urn:mvp:probe:mode=fail_early', messages, stream: true }),
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('responses: comments while waiting, then the numbered events; the SDK reads it whole', async () => {
    const sse = await postRaw(`${t.url}/v1/responses`, {
      model: 'urn:mvp:probe:mode=thinking',
      input: 'hi',
      stream: true,
    });
    expect(sse.status).toBe(200);
    expect(sse.events[0]).toBe(KEEP_ALIVE);
    expect(sse.events.at(-1)).toMatch(/^event: response\.completed\n/);

    const final = await t.client.responses
      .stream({ model: 'urn:mvp:probe:mode=thinking', input: 'hi' })
      .finalResponse();
    expect(final.output_text).toBe('ok');

    const failed = await postRaw(`${t.url}/v1/responses`, {
      model: 'urn:mvp:probe:mode=thinking_fail',
      input: 'hi',
      stream: true,
    });
    expect(failed.events[0]).toBe(KEEP_ALIVE);
    expect(failed.events.at(-1)).toMatch(/^event: response\.failed\n/);
    expect(failed.raw).not.toContain('internal detail');
  });
});
