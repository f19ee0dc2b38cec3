import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { NotFoundError } from 'openai';
import type { ChatEvent } from '../src/common/chat.types.js';
import { ConnectorRegistry } from '../src/connectors/connector-registry.js';
import { startOllamaFake, type OllamaFake } from './fakes/ollama-fake.js';
import { startWithConnectors } from './support/connector-app.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import type { TestApp } from './support/test-app.js';

const MODEL = 'urn:mvp:chat:connector=ollama';
const TUNED = 'urn:mvp:chat:connector=ollama-tuned';
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
      {
        name: 'ollama-tuned',
        provider: 'ollama',
        baseUrl: fake.url,
        defaultModel: 'qwen3:4b',
        maxRetries: 0,
        defaults: { temperature: 0.6 },
        ollama: {
          options: { num_ctx: 32768, top_k: 20, min_p: 0, temperature: 0.1, stop: ['<eot>'] },
          keepAlive: '10m',
        },
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

  it("round-trips a tool call with Ollama's own id: results go back with the call's id and the tool's name", async () => {
    fake.script(
      { toolCalls: [{ id: 'call_x7k2m9', name: 'get_weather', arguments: { city: 'Paris' } }] },
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
    expect(call.id).toBe('call_x7k2m9');
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
        tool_calls: [
          { id: 'call_x7k2m9', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
        ],
      },
      { role: 'tool', content: 'sunny', tool_call_id: 'call_x7k2m9', tool_name: 'get_weather' },
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

  it("offers the tools for tool_choice 'required' (Ollama cannot enforce it); parallel_tool_calls is ignored", async () => {
    await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      tools: TOOLS,
      tool_choice: 'required',
    });
    expect(fake.lastChat().body.tools).toEqual(TOOLS);
    expect(fake.lastChat().body).not.toHaveProperty('tool_choice');

    await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      tools: TOOLS,
      parallel_tool_calls: false,
    });
    expect(fake.lastChat().body.tools).toEqual(TOOLS);
    expect(fake.lastChat().body).not.toHaveProperty('parallel_tool_calls');
  });

  it("sends the connector's model options and keep_alive, the connector defaults and the request over them", async () => {
    fake.script({ text: 'Tuned.' });
    await app.client.chat.completions.create({
      model: TUNED,
      messages: [{ role: 'user', content: 'hi' }],
      top_p: 0.8,
      stop: 'END',
    });
    expect(fake.lastChat().body).toMatchObject({
      model: 'qwen3:4b',
      keep_alive: '10m',
      options: { num_ctx: 32768, top_k: 20, min_p: 0, temperature: 0.6, top_p: 0.8, stop: ['END'] },
    });
    expect(Object.keys(fake.lastChat().body.options ?? {}).sort()).toEqual([
      'min_p',
      'num_ctx',
      'stop',
      'temperature',
      'top_k',
      'top_p',
    ]);
  });

  it('maps reasoning_effort to think and streams only the reply of a thinking model: no empty deltas, no thinking', async () => {
    fake.script({
      thinking: 'The user greets me. I should answer briefly.',
      text: 'Hi there!',
      chunkSize: 6,
      usage: { input: 9, output: 20 },
    });
    const stream = await app.client.chat.completions.create({
      model: TUNED,
      messages: [{ role: 'user', content: 'hello' }],
      reasoning_effort: 'minimal',
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }
    // qwen3 takes no level (Ollama refuses one for any model but gpt-oss): thinking on.
    expect(fake.lastChat().body.think).toBe(true);
    const choices = chunks.flatMap((c) => c.choices);
    const text = choices.map((c) => c.delta.content ?? '').join('');
    expect(text).toBe('Hi there!');
    // Every chunk but the closing one carries content: a thinking line made no chunk.
    expect(choices.slice(0, -1).every((c) => c.delta.content)).toBe(true);
    expect(choices.at(-1)).toMatchObject({ finish_reason: 'stop' });
    expect(JSON.stringify(chunks)).not.toMatch(/greets|thinking|reasoning/);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 20 });

    fake.script({ thinking: 'Quick one.', text: 'Done.' });
    const whole = await app.client.chat.completions.create({
      model: TUNED,
      messages: [{ role: 'user', content: 'hello' }],
      reasoning_effort: 'none',
    });
    expect(fake.lastChat().body.think).toBe(false);
    expect(whole.choices[0].message.content).toBe('Done.');
    expect(JSON.stringify(whole)).not.toMatch(/Quick|thinking|reasoning/);
  });

  it("passes Ollama's token log probabilities on, streamed and whole", async () => {
    fake.script({ text: 'Yes, sure.', chunkSize: 4 });
    const stream = await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'ok?' }],
      logprobs: true,
      top_logprobs: 2,
      stream: true,
    });
    const tokens: OpenAI.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      tokens.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    }
    expect(fake.lastChat().body).toMatchObject({ logprobs: true, top_logprobs: 2 });
    expect(tokens.map((t) => t.token)).toEqual(['Yes,', ' sur', 'e.']);
    expect(tokens[1]).toEqual({
      token: ' sur',
      logprob: -0.2,
      bytes: [32, 115, 117, 114],
      top_logprobs: [
        { token: ' sur', logprob: -0.2, bytes: [32, 115, 117, 114] },
        { token: ' sur~1', logprob: -2, bytes: [32, 115, 117, 114, 126, 49] },
      ],
    });

    fake.script({ text: 'Yes.' });
    const whole = await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'ok?' }],
      logprobs: true,
    });
    assertMatchesSpec('CreateChatCompletionResponse', whole);
    expect(fake.lastChat().body).not.toHaveProperty('top_logprobs');
    expect(whole.choices[0].logprobs?.content).toEqual([
      { token: 'Yes.', logprob: -0.1, bytes: [89, 101, 115, 46], top_logprobs: [] },
    ]);

    fake.script({ text: 'No.' });
    const plain = await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'ok?' }],
    });
    expect(fake.lastChat().body).not.toHaveProperty('logprobs');
    expect(plain.choices[0].logprobs).toBeNull();
  });

  it("ends a load-only answer (done_reason 'load', no eval counts) with stop and zero usage", async () => {
    const connector = app.app.get(ConnectorRegistry).get('ollama');
    for (const stream of [true, false]) {
      const events: ChatEvent[] = [];
      for await (const event of connector.chat(
        { messages: [] },
        { signal: new AbortController().signal, stream },
      ))
        events.push(event);
      expect(events).toEqual([
        { type: 'usage', usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } },
        { type: 'finish', reason: 'stop' },
      ]);
      expect(fake.lastChat().body).toMatchObject({ messages: [], stream });
    }
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
