import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { BadRequestError } from 'openai';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { fakeKey, startWithConnectors } from './support/connector-app.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { postRaw } from './support/sse.js';
import type { TestApp } from './support/test-app.js';

const KEY = fakeKey('sk-proj');

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

describe('chat OL on OpenAI-compatible connectors', () => {
  let openai: OpenAiFake;
  let local: OpenAiFake;
  let app: TestApp;

  beforeAll(async () => {
    openai = await startOpenAiFake({ apiKey: KEY });
    local = await startOpenAiFake();
    app = await startWithConnectors(
      [
        {
          name: 'oa',
          provider: 'openai',
          baseUrl: `${openai.url}/v1`,
          apiKey: { secret: 'openai_key' },
          defaultModel: 'gpt-fake',
          maxRetries: 0,
          defaults: { max_tokens: 321 },
        },
        // A second OpenAI-compatible server, keyless (vLLM, llama.cpp, Ollama's /v1).
        {
          name: 'local',
          provider: 'openai',
          baseUrl: `${local.url}/v1`,
          defaultModel: 'llama-local',
        },
        { name: 'nomodel', provider: 'openai', baseUrl: `${local.url}/v1` },
      ],
      { openai_key: KEY },
    );
  });
  afterAll(async () => {
    await app?.close();
    await openai?.close();
    await local?.close();
  });

  it('lists one chat URN per configured connector', async () => {
    const ids: string[] = [];
    for await (const model of app.client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'urn:mvp:chat:connector=oa',
        'urn:mvp:chat:connector=local',
        'urn:mvp:chat:connector=nomodel',
      ]),
    );
  });

  it('answers unstreamed: the upstream answer, its usage, one unstreamed upstream call with the defaults applied', async () => {
    openai.script({ text: 'Paris is the capital.', usage: { input: 17, output: 6 } });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Capital of France?' },
    ];
    const completion = await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=oa',
      messages,
    });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.model).toBe('urn:mvp:chat:connector=oa');
    expect(completion.choices[0].message.content).toBe('Paris is the capital.');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 17,
      completion_tokens: 6,
      total_tokens: 23,
    });

    const sent = openai.lastChat();
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toEqual({ model: 'gpt-fake', messages, max_tokens: 321 });
    const line = app.logs.entries().find((e) => e.urn === 'urn:mvp:chat:connector=oa');
    expect(line?.connector).toBe('oa');
  });

  it('passes sampling, stop, seed, user, response_format and tool_choice through as sent', async () => {
    await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=oa:model=gpt-other',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 50,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      stop: ['END'],
      seed: 42,
      user: 'user-7',
      safety_identifier: 'sid-7',
      prompt_cache_key: 'cache-7',
      verbosity: 'low',
      service_tier: 'flex',
      response_format: { type: 'json_object' },
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    expect(openai.lastChat().body).toEqual({
      model: 'gpt-other',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 50,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      stop: ['END'],
      seed: 42,
      user: 'user-7',
      safety_identifier: 'sid-7',
      prompt_cache_key: 'cache-7',
      verbosity: 'low',
      service_tier: 'flex',
      response_format: { type: 'json_object' },
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
  });

  it('streams: spec-conformant chunks, the text as sent upstream, usage equal to the upstream usage', async () => {
    openai.script({
      text: 'One, two, three, four.',
      chunkSize: 3,
      usage: { input: 11, output: 8 },
    });
    const stream = await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=oa',
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('One, two, three, four.');
    expect(chunks).toBeGreaterThanOrEqual(8);
    expect(usage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 8,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(openai.lastChat().body).toMatchObject({
      model: 'gpt-fake',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('passes logprobs through: asked for upstream, each token with its alternatives back, streamed or not', async () => {
    // The fake reports each piece as one token, with made-up log probabilities.
    const expected = ['Yes,', ' it ', 'is.'].map((token, i) => ({
      token,
      logprob: expect.closeTo(-0.1 * (i + 1), 6),
      bytes: [...Buffer.from(token)],
      top_logprobs: [
        { token, logprob: expect.closeTo(-0.1 * (i + 1), 6), bytes: [...Buffer.from(token)] },
        expect.objectContaining({ token: 'alt1' }),
      ],
    }));
    const ask = {
      model: 'urn:mvp:chat:connector=oa',
      messages: [{ role: 'user' as const, content: 'Is it?' }],
      logprobs: true,
      top_logprobs: 2,
    };

    openai.script({ text: 'Yes, it is.', chunkSize: 4 });
    const completion = await app.client.chat.completions.create(ask);
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].logprobs).toEqual({ content: expected, refusal: null });
    expect(openai.lastChat().body).toMatchObject({ logprobs: true, top_logprobs: 2 });

    openai.script({ text: 'Yes, it is.', chunkSize: 4 });
    const stream = await app.client.chat.completions.create({ ...ask, stream: true });
    const streamed: unknown[] = [];
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      const choice = chunk.choices[0];
      if (choice?.delta.content) expect(choice.logprobs?.refusal).toBeNull();
      streamed.push(...(choice?.logprobs?.content ?? []));
    }
    expect(streamed).toEqual(expected);
    expect(openai.lastChat().body).toMatchObject({ logprobs: true, top_logprobs: 2 });

    // Not asked for: none asked upstream, null back.
    openai.script({ text: 'Yes.' });
    const plain = await app.client.chat.completions.create({
      ...ask,
      logprobs: undefined,
      top_logprobs: undefined,
    });
    expect(plain.choices[0].logprobs).toBeNull();
    expect(openai.lastChat().body).not.toHaveProperty('logprobs');
  });

  it('round-trips a tool call: streamed tool_calls, the client runs the tool, the final answer', async () => {
    openai.script(
      {
        text: 'Checking.',
        toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_abc' }],
        usage: { input: 30, output: 12 },
      },
      { text: 'It is sunny in Paris.', usage: { input: 50, output: 7 } },
    );
    const question: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: 'Weather in Paris?',
    };
    const first = await app.client.chat.completions
      .stream({ model: 'urn:mvp:chat:connector=oa', messages: [question], tools: TOOLS })
      .finalChatCompletion();
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const call = first.choices[0].message.tool_calls?.[0];
    expect(call).toMatchObject({
      id: 'call_abc',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(openai.lastChat().body.tools).toEqual(TOOLS);

    const followUp: OpenAI.ChatCompletionMessageParam[] = [
      question,
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [call as OpenAI.ChatCompletionMessageFunctionToolCall],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"sky":"sunny"}' },
    ];
    const second = await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=oa',
      messages: followUp,
      tools: TOOLS,
    });
    expect(second.choices[0].message.content).toBe('It is sunny in Paris.');
    expect(second.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 7 });
    expect(openai.lastChat().body.messages).toEqual(followUp);
  });

  it('serves a second, keyless OpenAI-compatible server without an Authorization header, developer messages as system', async () => {
    local.script({ text: 'local answer' });
    const completion = await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=local',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(completion.choices[0].message.content).toBe('local answer');
    expect(local.lastChat().body.model).toBe('llama-local');
    // Chat templates of local servers know no `developer` role.
    expect(local.lastChat().body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(local.lastChat().headers.authorization).toBeUndefined();
  });

  it('refuses an unknown connector with a 400 before any byte of a stream', async () => {
    for (const stream of [false, true]) {
      const res = await postRaw(`${app.url}/v1/chat/completions`, {
        model: 'urn:mvp:chat:connector=nope',
        messages: [{ role: 'user', content: 'hi' }],
        stream,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = JSON.parse(res.raw) as {
        error: { code: string; param: string; message: string };
      };
      expect(body.error).toMatchObject({
        code: 'unknown_connector',
        param: 'model',
        type: 'invalid_request_error',
      });
      expect(body.error.message).toContain("'nope'");
    }
  });

  it.each([
    ['no connector', 'urn:mvp:chat'],
    ['an empty connector', 'urn:mvp:chat:connector='],
    ['a connector name that is no name', 'urn:mvp:chat:connector=..%2Fetc'],
    ['an empty model', 'urn:mvp:chat:connector=oa:model='],
    ['a model name over 256 characters', `urn:mvp:chat:connector=oa:model=${'m'.repeat(257)}`],
    ['a param chat does not take', 'urn:mvp:chat:connector=oa:temperature=2'],
  ])('refuses a URN with %s: 400 invalid_model_param before any byte', async (_, model) => {
    const before = openai.requests.length;
    const res = await postRaw(`${app.url}/v1/chat/completions`, {
      model,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect((JSON.parse(res.raw) as { error: { code: string } }).error.code).toBe(
      'invalid_model_param',
    );
    expect(openai.requests.length).toBe(before);
  });

  it('asks for a model when neither the URN nor the connector names one', async () => {
    const error = await app.client.chat.completions
      .create({
        model: 'urn:mvp:chat:connector=nomodel',
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as BadRequestError).code).toBe('model_required');
  });
});
