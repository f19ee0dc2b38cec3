import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ollama } from 'ollama';
import { startOllamaFake, type OllamaFake } from './fakes/ollama-fake.js';

/** The fake Ollama upstream, checked with the official `ollama` client. */
describe('fake Ollama upstream', () => {
  let fake: OllamaFake;
  let client: Ollama;

  beforeAll(async () => {
    fake = await startOllamaFake({ models: ['llama-a:8b', 'qwen-b'] });
    client = new Ollama({ host: fake.url });
  });
  afterAll(() => fake.close());

  const messages = [{ role: 'user', content: 'Hi' }];

  it('answers unstreamed with the message and eval counts', async () => {
    fake.script({ text: 'Hello there', usage: { input: 7, output: 2 } });
    const response = await client.chat({ model: 'llama-a:8b', messages, stream: false });
    expect(response.message).toEqual({ role: 'assistant', content: 'Hello there' });
    expect(response).toMatchObject({
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 7,
      eval_count: 2,
    });
    expect(fake.lastChat().body).toMatchObject({ model: 'llama-a:8b', messages, stream: false });
  });

  it('streams NDJSON lines ending with done', async () => {
    fake.script({ text: 'Streaming works', chunkSize: 3, usage: { input: 5, output: 6 } });
    let text = '';
    let last: { done?: boolean; eval_count?: number } = {};
    for await (const part of await client.chat({ model: 'llama-a:8b', messages, stream: true })) {
      text += part.message.content;
      last = part;
    }
    expect(text).toBe('Streaming works');
    expect(last).toMatchObject({ done: true, eval_count: 6 });
  });

  it('sends tool calls whole, with object arguments', async () => {
    fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const calls = [];
    for await (const part of await client.chat({
      model: 'llama-a:8b',
      messages,
      tools,
      stream: true,
    }))
      calls.push(...(part.message.tool_calls ?? []));
    expect(calls).toEqual([
      {
        id: expect.any(String),
        function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } },
      },
    ]);
    expect(fake.lastChat().body.tools).toEqual(tools);
  });

  it('answers an unknown model with 404 and an error string', async () => {
    const error = await client.chat({ model: 'missing', messages }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResponseError', status_code: 404 });
    expect((error as Error).message).toContain("model 'missing' not found");
  });

  it('sends an error line mid-stream when scripted', async () => {
    fake.script({
      text: 'abcdef',
      chunkSize: 2,
      streamError: { after: 1, message: 'model crashed' },
    });
    const error = await (async () => {
      for await (const part of await client.chat({ model: 'llama-a:8b', messages, stream: true }))
        void part;
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('model crashed');
  });

  it('lists its models on /api/tags', async () => {
    const list = await client.list();
    expect(list.models.map((m) => m.name)).toEqual(['llama-a:8b', 'qwen-b']);
  });
});
