import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { BadRequestError } from 'openai';
import { startAnthropicFake, type AnthropicFake } from './fakes/anthropic-fake.js';
import { fakeKey, startWithConnectors } from './support/connector-app.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import type { TestApp } from './support/test-app.js';

const KEY = fakeKey('sk-ant-api03');
const MODEL = 'urn:mvp:chat:connector=claude';
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
  {
    type: 'function',
    function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
  },
];

describe('chat OL on an Anthropic connector', () => {
  let fake: AnthropicFake;
  let app: TestApp;

  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: KEY });
    app = await startWithConnectors(
      [
        {
          name: 'claude',
          provider: 'anthropic',
          baseUrl: fake.url,
          apiKey: { secret: 'anthropic_api_key' },
          defaultModel: 'claude-fake',
          maxRetries: 0,
          defaults: { max_tokens: 256 },
        },
        {
          name: 'claude-nodefaults',
          provider: 'anthropic',
          baseUrl: fake.url,
          apiKey: { secret: 'anthropic_api_key' },
          defaultModel: 'claude-fake',
        },
      ],
      { anthropic_api_key: KEY },
    );
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers unstreamed: system lifted out, same-role turns merged, max_tokens from config, usage mapped', async () => {
    fake.script({ text: 'Paris.', usage: { input: 17, output: 6 } });
    const completion = await app.client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Answer in English.' },
        { role: 'user', content: 'Hello.' },
        { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
      ],
      stop: 'END',
      user: 'user-7',
    });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].message.content).toBe('Paris.');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 17,
      completion_tokens: 6,
      total_tokens: 23,
    });

    const sent = fake.lastChat();
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toEqual({
      model: 'claude-fake',
      max_tokens: 256,
      system: 'Be brief.\n\nAnswer in English.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello.' },
            { type: 'text', text: 'Capital of France?' },
          ],
        },
      ],
      stop_sequences: ['END'],
      metadata: { user_id: 'user-7' },
    });
    expect(app.logs.entries().find((e) => e.urn === MODEL)?.connector).toBe('claude');
  });

  it("defaults max_tokens to 4096, or takes the client's", async () => {
    await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=claude-nodefaults',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fake.lastChat().body.max_tokens).toBe(4096);
    await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 99,
    });
    expect(fake.lastChat().body.max_tokens).toBe(99);
  });

  it('sends images: data URLs as base64 blocks, http URLs as url sources', async () => {
    await app.client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    });
    expect(fake.lastChat().body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('streams: spec-conformant chunks and usage equal to what Anthropic reported', async () => {
    fake.script({ text: 'Bonjour tout le monde.', chunkSize: 4, usage: { input: 13, output: 9 } });
    const stream = await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hello in French' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Bonjour tout le monde.');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 9, total_tokens: 22 });
    expect(fake.lastChat().body.stream).toBe(true);
  });

  it('round-trips tool calls: tool_use → OpenAI tool_calls with their own indexes; results go back as tool_result blocks first in one user turn', async () => {
    fake.script(
      {
        text: 'Let me check.',
        toolCalls: [
          { name: 'get_weather', arguments: { city: 'Paris' }, id: 'toolu_01' },
          { name: 'get_time', arguments: {}, id: 'toolu_02' },
        ],
        usage: { input: 40, output: 20 },
      },
      { text: 'Sunny, and it is noon.', usage: { input: 70, output: 8 } },
    );
    const question: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: 'Weather and time in Paris?',
    };
    const indexes: number[] = [];
    const runner = app.client.chat.completions.stream({
      model: MODEL,
      messages: [question],
      tools: TOOLS,
      tool_choice: 'required',
    });
    runner.on('chunk', (chunk) =>
      chunk.choices[0]?.delta.tool_calls?.forEach((c) => indexes.push(c.index)),
    );
    const first = await runner.finalChatCompletion();
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(first.choices[0].message.content).toBe('Let me check.');
    const calls = first.choices[0].message
      .tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['toolu_01', 'get_weather', { city: 'Paris' }],
      ['toolu_02', 'get_time', {}],
    ]);
    expect([...new Set(indexes)]).toEqual([0, 1]);
    expect(first.usage).toBeUndefined();
    expect(fake.lastChat().body).toMatchObject({
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather of a city',
          input_schema: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any' },
    });

    const second = await app.client.chat.completions.create({
      model: MODEL,
      tools: TOOLS,
      messages: [
        question,
        { role: 'assistant', content: 'Let me check.', tool_calls: calls },
        { role: 'tool', tool_call_id: 'toolu_01', content: '{"sky":"sunny"}' },
        { role: 'tool', tool_call_id: 'toolu_02', content: [{ type: 'text', text: '12:00' }] },
        { role: 'user', content: 'Be short.' },
      ],
    });
    expect(second.choices[0].message.content).toBe('Sunny, and it is noon.');
    expect(second.usage).toMatchObject({
      prompt_tokens: 70,
      completion_tokens: 8,
      total_tokens: 78,
    });
    expect(fake.lastChat().body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather and time in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01', content: '{"sky":"sunny"}' },
          { type: 'tool_result', tool_use_id: 'toolu_02', content: '12:00' },
          { type: 'text', text: 'Be short.' },
        ],
      },
    ]);
  });

  it.each([
    ['streamed', true],
    ['unstreamed', false],
  ])(
    'keeps the signed thinking of a %s turn that called tools, unshown, and sends it back with the results',
    async (_, stream) => {
      const thought = 'The user wants the weather in Paris: call get_weather.';
      const id = stream ? 'toolu_think_s' : 'toolu_think_u';
      fake.script(
        {
          thinking: thought,
          text: 'Checking.',
          toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id }],
        },
        { text: 'Sunny.' },
      );
      const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'Paris?' };
      let shown = '';
      let message: OpenAI.ChatCompletionMessage;
      if (stream) {
        const runner = app.client.chat.completions.stream({
          model: MODEL,
          messages: [question],
          tools: TOOLS,
        });
        runner.on('chunk', (chunk) => (shown += JSON.stringify(chunk)));
        message = (await runner.finalChatCompletion()).choices[0].message;
      } else {
        const completion = await app.client.chat.completions.create({
          model: MODEL,
          messages: [question],
          tools: TOOLS,
        });
        shown = JSON.stringify(completion);
        message = completion.choices[0].message;
      }
      expect(shown).not.toContain('get_weather.');
      expect(message.content).toBe('Checking.');
      const calls = message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
      const answer = (
        assistant: OpenAI.ChatCompletionAssistantMessageParam,
      ): Promise<OpenAI.ChatCompletion> =>
        app.client.chat.completions.create({
          model: MODEL,
          tools: TOOLS,
          messages: [
            question,
            assistant,
            { role: 'tool', tool_call_id: id, content: '{"sky":"sunny"}' },
          ],
        });

      const second = await answer({ role: 'assistant', content: 'Checking.', tool_calls: calls });
      expect(second.choices[0].message.content).toBe('Sunny.');
      expect(fake.lastChat().body.messages[1]).toEqual({
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: thought, signature: expect.any(String) },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } },
        ],
      });

      // A client that changed the turn sends its own version (which Anthropic refuses).
      const edited = calls.map((c) => ({
        ...c,
        function: { ...c.function, arguments: '{"city":"Lyon"}' },
      }));
      await expect(
        answer({ role: 'assistant', content: 'Checking.', tool_calls: edited }),
      ).rejects.toBeInstanceOf(BadRequestError);
      expect(
        (fake.lastChat().body.messages[1].content as Array<{ type: string }>).map((b) => b.type),
      ).toEqual(['text', 'tool_use']);
    },
  );

  it('answers unstreamed tool calls whole', async () => {
    fake.script({
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, id: 'toolu_09' }],
    });
    const completion = await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Oslo?' }],
      tools: TOOLS,
    });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: 'toolu_09',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
          },
        ],
      },
    });
  });

  it('maps max_tokens stops to finish_reason "length"', async () => {
    fake.script({ text: 'cut sh', finish: 'length' });
    const completion = await app.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'long story' }],
    });
    expect(completion.choices[0].finish_reason).toBe('length');
  });

  it('refuses input Anthropic cannot take with a 400 naming the part', async () => {
    const error = await app.client.chat.completions
      .create({
        model: MODEL,
        messages: [
          {
            role: 'user',
            content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as BadRequestError).code).toBe('unsupported_content');
    expect((error as BadRequestError).param).toBe('messages[0].content[0]');
  });
});
