import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assertMatchesSpec } from './support/openai-spec.js';
import { postRaw } from './support/sse.js';
import { startApp, type TestApp } from './support/test-app.js';
import { ProbeModule } from './fixtures/probe.logic.js';

let t: TestApp;

interface Chunk {
  choices: Array<{ finish_reason: string | null; delta: { content?: string } }>;
  usage?: { completion_tokens: number } | null;
}

beforeAll(async () => {
  t = await startApp({ imports: [ProbeModule] });
});
afterAll(() => t.close());

describe('GET /v1/models', () => {
  it('lists every OL as an OpenAI model object, the example extension included', async () => {
    const page = await t.client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['urn:mvp:echo', 'urn:mvp:reverse', 'urn:mvp:probe']),
    );
    const raw = (await (await fetch(`${t.url}/v1/models`)).json()) as unknown;
    assertMatchesSpec('ListModelsResponse', raw);
  });

  it('retrieves one model by URN and answers 404 model_not_found otherwise', async () => {
    const model = await t.client.models.retrieve('urn:mvp:reverse:by=words');
    assertMatchesSpec('Model', model);
    expect(model).toMatchObject({
      id: 'urn:mvp:reverse:by=words',
      object: 'model',
      owned_by: 'examples',
    });

    const res = await fetch(`${t.url}/v1/models/urn:mvp:nothing`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string } };
    assertMatchesSpec('ErrorResponse', body);
    expect(body.error.code).toBe('model_not_found');
  });
});

describe('POST /v1/chat/completions', () => {
  const messages = [
    { role: 'system' as const, content: 'be brief' },
    { role: 'user' as const, content: 'Hello, orchestrated world! 🌍' },
  ];

  it('answers non-streaming with an OpenAI chat.completion and honest usage', async () => {
    const completion = await t.client.chat.completions.create({ model: 'urn:mvp:echo', messages });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe('urn:mvp:echo');
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message).toMatchObject({
      role: 'assistant',
      content: 'Hello, orchestrated world! 🌍',
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    // o200k_base: not the character count.
    expect(completion.usage!.completion_tokens).toBeGreaterThan(3);
    expect(completion.usage!.completion_tokens).toBeLessThan(
      'Hello, orchestrated world! 🌍'.length,
    );
    expect(completion.usage!.total_tokens).toBe(
      completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
    );
  });

  it('streams chunks whose deltas concatenate to the non-streamed content', async () => {
    const model = 'urn:mvp:echo:chunk=4';
    const whole = await t.client.chat.completions.create({ model, messages });
    const stream = await t.client.chat.completions.create({ model, messages, stream: true });
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(chunks.length).toBeGreaterThan(3);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('writes well-formed SSE: each event ends with a blank line, [DONE] last, usage chunk when asked', async () => {
    const sse = await postRaw(`${t.url}/v1/chat/completions`, {
      model: 'urn:mvp:echo:chunk=5',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    expect(sse.headers.get('x-request-id')).toBeTruthy();
    expect(sse.raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(
      sse.raw
        .split('\n\n')
        .slice(0, -1)
        .every((e) => e.startsWith('data: ')),
    ).toBe(true);
    expect(sse.events.at(-1)).toBe('[DONE]');
    const chunks = sse.events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    for (const chunk of chunks) assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage!.completion_tokens).toBeGreaterThan(0);
    const finishChunk = chunks.at(-2)!;
    expect(finishChunk.choices[0].finish_reason).toBe('stop');
    expect(chunks.slice(0, -2).every((c) => c.choices[0].finish_reason === null)).toBe(true);
  });

  it('omits the usage chunk when not asked', async () => {
    const sse = await postRaw(`${t.url}/v1/chat/completions`, {
      model: 'urn:mvp:echo',
      messages,
      stream: true,
    });
    const chunks = sse.events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
  });

  it('streams and aggregates tool-call events the OpenAI way', async () => {
    const model = 'urn:mvp:probe:mode=tools';
    const completion = await t.client.chat.completions.create({ model, messages });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.content).toBe('Let me check.');
    expect(completion.choices[0].message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
      { id: 'call_b', type: 'function', function: { name: 'other', arguments: '{}' } },
    ]);

    const stream = t.client.chat.completions.stream({ model, messages, stream: true });
    for await (const chunk of stream)
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
    const final = await stream.finalChatCompletion();
    expect(
      final.choices[0].message.tool_calls?.map(
        (c) => c.type === 'function' && c.function.arguments,
      ),
    ).toEqual(['{"q":"x"}', '{}']);
  });

  it('accepts every OpenAI role, content parts, extra fields and an object `user`', async () => {
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'urn:mvp:probe',
        messages: [
          { role: 'developer', content: 'dev rules' },
          { role: 'system', content: [{ type: 'text', text: 'sys' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'result' },
          { role: 'user', content: 'go on', name: 'alice' },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        temperature: 0.2,
        max_tokens: 50,
        max_completion_tokens: 60,
        stop: ['\n'],
        seed: 7,
        metadata: { any: 'thing' },
        params: { open_webui: true },
        user: { id: 'u-42', name: 'Alice', email: 'a@example.com', role: 'user' },
      }),
    });
    expect(res.status).toBe(200);
    const request = (await import('./fixtures/probe.logic.js')).probeRecord.requests.at(-1)!;
    expect(request.messages.map((m) => m.role)).toEqual([
      'developer',
      'system',
      'user',
      'assistant',
      'tool',
      'user',
    ]);
    expect(request).toMatchObject({
      temperature: 0.2,
      max_tokens: 50,
      max_completion_tokens: 60,
      seed: 7,
      user: 'u-42',
    });
    expect(request).not.toHaveProperty('metadata');
    expect(request).not.toHaveProperty('params');
  });

  it('gives 200 concurrent requests each their own content', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const stream = i % 2 === 0;
        const content = `request number ${i}`;
        if (!stream) {
          const c = await t.client.chat.completions.create({
            model: 'urn:mvp:echo:chunk=3',
            messages: [{ role: 'user', content }],
          });
          return [content, c.choices[0].message.content];
        }
        const s = await t.client.chat.completions.create({
          model: 'urn:mvp:echo:chunk=3',
          messages: [{ role: 'user', content }],
          stream: true,
        });
        let text = '';
        for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
        return [content, text];
      }),
    );
    for (const [sent, got] of results) expect(got).toBe(sent);
  });

  it('echoes the caller x-request-id, or makes one', async () => {
    const given = await fetch(`${t.url}/health`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const made = await fetch(`${t.url}/health`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per request with request id, URN, OL, status and latency', async () => {
    await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'log-line-check',
        authorization: 'Bearer sk-very-secret-value',
      },
      body: JSON.stringify({ model: 'urn:mvp:echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await new Promise((r) => setTimeout(r, 50));
    const lines = t.logs
      .entries()
      .filter((e) => (e.req as { id?: string } | undefined)?.id === 'log-line-check');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ urn: 'urn:mvp:echo', ol: 'echo', res: { statusCode: 200 } });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(t.logs.text()).not.toContain('sk-very-secret-value');
  });

  it('answers and logs a body the parser refuses with its request id too', async () => {
    const broken = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'log-line-json' },
      body: '{"model":',
    });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('x-request-id')).toBe('log-line-json');
    await new Promise((r) => setTimeout(r, 50));
    const line = t.logs
      .entries()
      .find((e) => (e.req as { id?: string } | undefined)?.id === 'log-line-json');
    expect(line).toMatchObject({ level: 40, res: { statusCode: 400 } });
  });

  it('logs a stream the client left before its end as aborted, and a request to no route', async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'log-line-abort' },
      body: JSON.stringify({
        model: 'urn:mvp:echo:chunk=1:delay_ms=50',
        stream: true,
        messages: [{ role: 'user', content: 'a long enough answer' }],
      }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    controller.abort();
    await fetch(`${t.url}/v2/nothing`, { headers: { 'x-request-id': 'log-line-404' } });
    await new Promise((r) => setTimeout(r, 100));
    const byId = (id: string) =>
      t.logs.entries().filter((e) => (e.req as { id?: string } | undefined)?.id === id);
    expect(byId('log-line-abort')).toEqual([
      expect.objectContaining({ aborted: true, res: { statusCode: 200 }, stream: true }),
    ]);
    expect(byId('log-line-404')).toEqual([
      expect.objectContaining({
        level: 40,
        req: { id: 'log-line-404', method: 'GET', url: '/v2/nothing' },
      }),
    ]);
    expect(byId('log-line-404')[0].aborted).toBeUndefined();
  });
});
