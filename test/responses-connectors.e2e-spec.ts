import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type OpenAI from 'openai';
import { startAnthropicFake, type AnthropicFake } from './fakes/anthropic-fake.js';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { fakeKey, fakeOpenAiConnector, startWithConnectors } from './support/connector-app.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import type { TestApp } from './support/test-app.js';

/** Responses API through the `chat` OL to the fake OpenAI and Anthropic upstreams. */

const ANTHROPIC_KEY = fakeKey('sk-ant-api03');
const OPENAI = 'urn:mvp:chat:connector=up';
const CLAUDE = 'urn:mvp:chat:connector=claude';

const WEATHER: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: null,
};

let openai: OpenAiFake;
let anthropic: AnthropicFake;
let app: TestApp;

beforeAll(async () => {
  openai = await startOpenAiFake();
  anthropic = await startAnthropicFake({ apiKey: ANTHROPIC_KEY });
  app = await startWithConnectors(
    [
      fakeOpenAiConnector(openai.url),
      {
        name: 'claude',
        provider: 'anthropic',
        baseUrl: anthropic.url,
        apiKey: { secret: 'anthropic_api_key' },
        defaultModel: 'claude-fake',
        maxRetries: 0,
        defaults: { max_tokens: 256 },
      },
    ],
    { anthropic_api_key: ANTHROPIC_KEY },
  );
});
afterAll(async () => {
  await app?.close();
  await openai?.close();
  await anthropic?.close();
});

/** Streams with the SDK's helper, checking every event against the spec. */
async function streamed(
  params:
    | OpenAI.Responses.ResponseCreateParamsStreaming
    | Omit<OpenAI.Responses.ResponseCreateParamsStreaming, 'stream'>,
) {
  const stream = app.client.responses.stream(params);
  const types: string[] = [];
  for await (const event of stream) {
    assertMatchesSpec('ResponseStreamEvent', event);
    types.push(event.type);
  }
  const final = await stream.finalResponse();
  assertMatchesSpec('Response', final);
  return { final, types };
}

describe('on an OpenAI upstream', () => {
  it('answers unstreamed: the upstream text, its usage, instructions first', async () => {
    openai.script({ text: 'Paris is the capital.', usage: { input: 17, output: 6, cached: 4 } });
    const response = await app.client.responses.create({
      model: OPENAI,
      instructions: 'Be brief.',
      input: 'Capital of France?',
      max_output_tokens: 50,
    });
    assertMatchesSpec('Response', response);
    expect(response.output_text).toBe('Paris is the capital.');
    expect(response.usage).toEqual({
      input_tokens: 17,
      input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 },
      output_tokens: 6,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 23,
    });
    const sent = openai.lastChat().body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Capital of France?' },
    ]);
    expect(sent.max_completion_tokens).toBe(50);
    expect(sent.stream).not.toBe(true);
  });

  it('streams: the text as the upstream sent it, usage equal to its usage', async () => {
    openai.script({ text: 'Streaming from upstream.', usage: { input: 11, output: 8 } });
    const { final, types } = await streamed({ model: OPENAI, input: 'Talk.' });
    expect(final.output_text).toBe('Streaming from upstream.');
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBe(6);
    expect(types.at(-1)).toBe('response.completed');
    expect(final.usage).toMatchObject({ input_tokens: 11, output_tokens: 8, total_tokens: 19 });
    expect(openai.lastChat().body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('a function-call round trip: function_call item out, function_call_output back, the final text', async () => {
    openai.script(
      {
        toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: { city: 'Paris' } }],
        usage: { input: 30, output: 12 },
      },
      { text: 'It is sunny in Paris.', usage: { input: 50, output: 7 } },
    );
    const input: OpenAI.Responses.ResponseInputItem[] = [
      { role: 'user', content: 'Weather in Paris?' },
    ];
    const { final: first } = await streamed({ model: OPENAI, input, tools: [WEATHER] });
    expect(first.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_w1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      }),
    ]);
    expect(openai.lastChat().body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather of a city',
          parameters: WEATHER.parameters,
        },
      },
    ]);

    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const second = await app.client.responses.create({
      model: OPENAI,
      tools: [WEATHER],
      input: [
        ...input,
        {
          type: 'function_call',
          call_id: call.call_id,
          name: call.name,
          arguments: call.arguments,
        },
        { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' },
      ],
    });
    assertMatchesSpec('Response', second);
    expect(second.output_text).toBe('It is sunny in Paris.');
    expect(second.usage).toMatchObject({ input_tokens: 50, output_tokens: 7 });
    expect(openai.lastChat().body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_w1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"sky":"sunny"}' },
    ]);
  });

  it('text.format json_schema reaches the upstream as response_format', async () => {
    openai.script({ text: '{"city":"Paris"}' });
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const response = await app.client.responses.create({
      model: OPENAI,
      input: 'Where?',
      text: { format: { type: 'json_schema', name: 'place', schema, strict: true } },
    });
    assertMatchesSpec('Response', response);
    expect(response.text?.format).toEqual({
      type: 'json_schema',
      name: 'place',
      schema,
      strict: true,
    });
    expect(openai.lastChat().body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'place', schema, strict: true },
    });
  });

  it('an answer cut by the token limit is incomplete, reason max_output_tokens, streamed or not', async () => {
    openai.script(
      { text: 'Once upon a', finish: 'length' },
      { text: 'Once upon a', finish: 'length' },
    );
    const response = await app.client.responses.create({
      model: OPENAI,
      input: 'Story.',
      max_output_tokens: 16,
    });
    assertMatchesSpec('Response', response);
    expect(response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });

    const stream = app.client.responses.stream({
      model: OPENAI,
      input: 'Story.',
      max_output_tokens: 16,
    });
    const types: string[] = [];
    for await (const event of stream) {
      assertMatchesSpec('ResponseStreamEvent', event);
      types.push(event.type);
    }
    expect(types.at(-1)).toBe('response.incomplete');
  });

  it('passes on log probabilities when asked, as output_text logprobs', async () => {
    openai.script({ text: 'abcdefgh' });
    const response = await app.client.responses.create({
      model: OPENAI,
      input: 'x',
      include: ['message.output_text.logprobs'],
      top_logprobs: 1,
    });
    assertMatchesSpec('Response', response);
    const part = (response.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0];
    expect(part.type === 'output_text' && part.logprobs?.map((l) => l.token)).toEqual([
      'abcd',
      'efgh',
    ]);
    expect(openai.lastChat().body).toMatchObject({ logprobs: true, top_logprobs: 1 });
  });
});

describe('on an OpenAI upstream: what clients send back, logprobs', () => {
  it('output with text after a call, sent back, is one assistant turn the upstream accepts', async () => {
    openai.script({ text: 'Sunny.' });
    const response = await app.client.responses.create({
      model: OPENAI,
      tools: [WEATHER],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Checking. ', annotations: [] }],
        },
        { type: 'function_call', call_id: 'call_p', name: 'get_weather', arguments: '{}' },
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'One moment.', annotations: [] }],
        },
        { type: 'function_call_output', call_id: 'call_p', output: 'sunny' },
      ] as OpenAI.Responses.ResponseInputItem[],
    });
    expect(response.output_text).toBe('Sunny.');
    expect(openai.lastChat().body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Checking. One moment.',
        tool_calls: [
          { id: 'call_p', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_p', content: 'sunny' },
    ]);
  });

  it('logprobs come with include only, the same streamed and not', async () => {
    openai.script({ text: 'abcdefgh' });
    const plain = await app.client.responses.create({ model: OPENAI, input: 'x', top_logprobs: 2 });
    expect(openai.lastChat().body).not.toHaveProperty('logprobs');
    const part = (plain.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0];
    expect(part).toMatchObject({ logprobs: [] });

    const asked = {
      model: OPENAI,
      input: 'x',
      include: ['message.output_text.logprobs' as const],
      top_logprobs: 1,
    };
    openai.script({ text: 'abcdefgh' }, { text: 'abcdefgh' });
    const unstreamed = await app.client.responses.create(asked);
    const { final: viaStream } = await streamed(asked);
    const tokens = (r: OpenAI.Responses.Response) =>
      (r.output[0] as OpenAI.Responses.ResponseOutputMessage).content.flatMap((c) =>
        c.type === 'output_text' ? (c.logprobs ?? []) : [],
      );
    expect(tokens(unstreamed).map((l) => l.token)).toEqual(['abcd', 'efgh']);
    expect(tokens(viaStream)).toEqual(tokens(unstreamed));
  });
});

describe('on an Anthropic upstream', () => {
  it('streams a tool call, then the answer to its output; instructions become the system prompt', async () => {
    anthropic.script(
      {
        toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Oslo' } }],
        usage: { input: 21, output: 9 },
      },
      { text: 'Cold in Oslo.', usage: { input: 40, output: 5 } },
    );
    const input: OpenAI.Responses.ResponseInputItem[] = [
      { role: 'user', content: 'Weather in Oslo?' },
    ];
    const { final: first } = await streamed({
      model: CLAUDE,
      instructions: 'Be brief.',
      input,
      tools: [WEATHER],
    });
    expect(first.usage).toMatchObject({ input_tokens: 21, output_tokens: 9 });
    const call = first.output.find(
      (i) => i.type === 'function_call',
    ) as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({
      call_id: 'toolu_1',
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    });

    const { final } = await streamed({
      model: CLAUDE,
      instructions: 'Be brief.',
      tools: [WEATHER],
      input: [
        ...input,
        ...(first.output.map(
          ({ id: _id, ...item }) => item,
        ) as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'toolu_1', output: 'cold' },
      ],
    });
    expect(final.output_text).toBe('Cold in Oslo.');
    expect(final.usage).toMatchObject({ input_tokens: 40, output_tokens: 5 });
    const sent = anthropic.lastChat().body;
    expect(sent.system).toBe('Be brief.');
    expect(sent.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'cold' }] },
    ]);
  });
});
