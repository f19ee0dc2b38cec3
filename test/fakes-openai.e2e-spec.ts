import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { RateLimitError } from 'openai';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { assertMatchesSpec } from './support/openai-spec.js';

/** The fake OpenAI upstream, checked with the official SDK and OpenAI's own spec: the fake must be faithful. */
describe('fake OpenAI upstream', () => {
  let fake: OpenAiFake;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startOpenAiFake({ apiKey: 'sk-fake-upstream-key', models: ['gpt-a', 'gpt-b'] });
    client = new OpenAI({
      baseURL: `${fake.url}/v1`,
      apiKey: 'sk-fake-upstream-key',
      maxRetries: 0,
    });
  });
  afterAll(() => fake.close());

  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }];

  it('answers unstreamed with a spec-conformant completion and the scripted usage', async () => {
    fake.script({ text: 'Hello there', usage: { input: 12, output: 3 } });
    const completion = await client.chat.completions.create({ model: 'gpt-a', messages });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].message.content).toBe('Hello there');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
    });
    expect(fake.lastChat().body).toMatchObject({ model: 'gpt-a', messages });
    expect(fake.lastChat().headers.authorization).toBe('Bearer sk-fake-upstream-key');
  });

  it('streams spec-conformant chunks, then a usage chunk when asked, then [DONE]', async () => {
    fake.script({ text: 'Streaming works', chunkSize: 3, usage: { input: 5, output: 6 } });
    const stream = await client.chat.completions.create({
      model: 'gpt-a',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Streaming works');
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
    });
  });

  it('streams tool calls as fragments the SDK reassembles', async () => {
    fake.script({
      text: 'Let me look.',
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' }, id: 'call_w' },
        { name: 'get_time', arguments: { zone: 'Europe/Paris' } },
      ],
    });
    const runner = client.chat.completions.stream({ model: 'gpt-a', messages });
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls ?? [];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(final.choices[0].message.content).toBe('Let me look.');
    expect(
      calls.map(
        (c) =>
          c.type === 'function' && [
            c.id.startsWith('call_'),
            c.function.name,
            JSON.parse(c.function.arguments),
          ],
      ),
    ).toEqual([
      [true, 'get_weather', { city: 'Paris', unit: 'celsius' }],
      [true, 'get_time', { zone: 'Europe/Paris' }],
    ]);
    expect(calls[0].id).toBe('call_w');
  });

  it('plays scripted turns in order, then the default turn', async () => {
    fake.script({ toolCalls: [{ name: 'step', arguments: {} }] }, { text: 'second' });
    const first = await client.chat.completions.create({ model: 'gpt-a', messages });
    const second = await client.chat.completions.create({ model: 'gpt-a', messages });
    const third = await client.chat.completions.create({ model: 'gpt-a', messages });
    expect(first.choices[0].message.tool_calls?.[0]).toMatchObject({
      function: { name: 'step', arguments: '{}' },
    });
    expect(first.choices[0].message.content).toBeNull();
    expect(second.choices[0].message.content).toBe('second');
    expect(third.choices[0].message.content).toBe('Hello from the fake upstream.');
  });

  it('answers scripted errors with OpenAI error bodies and headers', async () => {
    fake.script(
      { error: { status: 429, headers: { 'retry-after': '7' } } },
      { error: { status: 500 } },
    );
    const limited = await client.chat.completions
      .create({ model: 'gpt-a', messages })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as RateLimitError).headers?.get('retry-after')).toBe('7');
    expect((limited as RateLimitError).code).toBe('rate_limit_exceeded');
    const failed = await client.chat.completions
      .create({ model: 'gpt-a', messages })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('refuses a wrong key with a 401 that echoes the key, as OpenAI does', async () => {
    const wrong = new OpenAI({
      baseURL: `${fake.url}/v1`,
      apiKey: 'sk-wrong-key-1234567890',
      maxRetries: 0,
    });
    const error = await wrong.chat.completions
      .create({ model: 'gpt-a', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain('sk-wrong-key-1234567890');
  });

  it('sends an in-stream error object when scripted', async () => {
    fake.script({ text: 'abcdefgh', chunkSize: 2, streamError: { after: 2, message: 'boom' } });
    const stream = await client.chat.completions.create({ model: 'gpt-a', messages, stream: true });
    const error = await (async () => {
      for await (const chunk of stream) void chunk;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('boom');
  });

  it('cuts a stream mid-way when told to drop', async () => {
    fake.script({ text: 'a long answer that never ends', chunkSize: 2, dropAfter: 3 });
    const stream = await client.chat.completions.create({ model: 'gpt-a', messages, stream: true });
    let received = 0;
    const error = await (async () => {
      for await (const chunk of stream) received += chunk.choices.length;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    // fetch's TypeError('terminated') comes from Node's realm, not Jest's: no instanceof.
    expect(error).toHaveProperty('message', 'terminated');
    expect(received).toBe(3);
  });

  it('sees its connection closed when the client aborts a slow stream', async () => {
    fake.script({ text: 'slow slow slow slow', chunkSize: 2, delayMs: 50 });
    const closedBefore = fake.closedEarly;
    const closed = fake.nextClose();
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-a', messages, stream: true },
      { signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        controller.abort();
        break;
      }
    }
    await closed;
    expect(fake.closedEarly).toBe(closedBefore + 1);
  });

  it('lists its models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-a', 'gpt-b']);
  });
});
