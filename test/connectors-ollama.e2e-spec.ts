import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { NotFoundError } from 'openai';
import { ConnectorRegistry } from '../src/connectors/connector-registry.js';
import { startOllamaFake, type OllamaFake } from './fakes/ollama-fake.js';
import { startWithConnectors } from './support/connector-app.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import type { TestApp } from './support/test-app.js';

const MODEL = 'urn:mvp:chat:connector=ollama';
const PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const TOOLS: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

describe('chat OL on an Ollama connector (native API)', () => {
  let fake: OllamaFake;
  let app: TestApp;

  beforeAll(async () => {
    fake = await startOllamaFake({ models: ['llama3.1:8b', 'qwen3:4b'] });
    app = await startWithConnectors([
      {
        name: 'ollama',
        provider: 'ollama',
        baseUrl: fake.url,
        defaultModel: 'llama3.1:8b',
        maxRetries: 0,
      },
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers unstreamed with one unstreamed /api/chat call, options translated, usage from the eval counts', async () => {
    fake.script({ text: 'Paris.', usage: { input: 21, output: 3 } });
    const completion = await app.client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      temperature: 0.2,
      max_tokens: 64,
      stop: ['END'],
      seed: 7,
      response_format: { type: 'json_object' },
    });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].message.content).toBe('Paris.');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 21,
      completion_tokens: 3,
      total_tokens: 24,
    });
    expect(fake.lastChat().body).toEqual({
      model: 'llama3.1:8b',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      format: 'json',
      options: { temperature: 0.2, num_predict: 64, stop: ['END'], seed: 7 },
    });
    expect(app.logs.entries().find((e) => e.urn === MODEL)?.connector).toBe('ollama');
  });

  it('streams NDJSON as chunks, usage equal to the eval counts; picks the URN model (a ":" percent-encoded)', async () => {
    fake.script({ text: 'Streaming from Ollama.', chunkSize: 5, usage: { input: 8, output: 5 } });
    const stream = await app.client.chat.completions.create({
      model: `${MODEL}:model=qwen3%3A4b`,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } },
          ],
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Streaming from Ollama.');
    expect(usage).toEqual({ prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 });
    expect(fake.lastChat().body).toEqual({
      model: 'qwen3:4b',
      stream: true,
      messages: [{ role: 'user', content: 'What is this?', images: [PIXEL] }],
    });
  });

  it('round-trips a tool call: whole tool calls with made-up ids, results sent back with the tool name', async () => {
    fake.script(
      { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
      { text: 'Sunny.', usage: { input: 40, output: 2 } },
    );
    const question: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: 'Weather in Paris?',
    };
    const first = await app.client.chat.completions
      .stream({ model: MODEL, messages: [question], tools: TOOLS })
      .finalChatCompletion();
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const call = first.choices[0].message
      .tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_/);
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(fake.lastChat().body.tools).toEqual(TOOLS);

    const second = await app.client.chat.completions.create({
      model: MODEL,
      tools: TOOLS,
      messages: [
        question,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(second.choices[0].message.content).toBe('Sunny.');
    expect(fake.lastChat().body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
    ]);
  });

  it("drops the tools for tool_choice 'none'", async () => {
    await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      tools: TOOLS,
      tool_choice: 'none',
    });
    expect(fake.lastChat().body.tools).toBeUndefined();
  });

  it('maps an unknown upstream model to 404 model_not_found with the upstream message', async () => {
    const error = await app.client.chat.completions
      .create({ model: `${MODEL}:model=missing`, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as NotFoundError).code).toBe('model_not_found');
    expect((error as Error).message).toContain("model 'missing' not found");
  });

  it('discovers the installed models through /api/tags', async () => {
    const models = await app.app
      .get(ConnectorRegistry)
      .get('ollama')
      .listModels({ signal: new AbortController().signal });
    expect(models).toEqual(['llama3.1:8b', 'qwen3:4b']);
  });
});
