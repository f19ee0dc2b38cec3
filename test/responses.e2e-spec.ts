import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import OpenAI from 'openai';
import { KeyValueStore } from '../src/storage/key-value.store.js';
import { ProbeModule, probeRecord } from './fixtures/probe.logic.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { startApp, type TestApp } from './support/test-app.js';

/** Responses API over OLs that need no upstream: echo, and the probe test OL. */

const all: TestKey = { id: 'all-1', user: 'ann', key: newKey(), ols: ['*'] };
const echoOnly: TestKey = { id: 'echo-1', user: 'eve', key: newKey(), ols: ['echo'] };
const tight: TestKey = { id: 'tight-1', user: 'tim', key: newKey(), ols: ['*'], tier: 'tight' };

let t: TestApp;
const clientFor = (key: TestKey) =>
  new OpenAI({ baseURL: `${t.url}/v1`, apiKey: key.key, maxRetries: 0 });

interface StreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** A JSON answer: a Response object or an OpenAI error body. */
interface JsonAnswer {
  error?: { message: string; type: string; param: string | null; code: string | null };
  [field: string]: unknown;
}

/** POSTs to /v1/responses; an SSE answer is parsed into its events, checking each `event:` line. */
async function post(body: unknown, key: TestKey = all, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/v1/responses`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key.key}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.headers.get('content-type')?.includes('text/event-stream'))
    return { status: res.status, body: JSON.parse(text) as JsonAnswer, events: [] };
  const events = text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const event = JSON.parse(dataLine.replace(/^data: /, '')) as StreamEvent;
      expect(eventLine).toBe(`event: ${event.type}`);
      return event;
    });
  return { status: res.status, body: {} as JsonAnswer, events };
}

/** Each event against its own schema and the union; sequence numbers 0, 1, 2, … */
function checkEvents(events: StreamEvent[]): void {
  events.forEach((event, i) => {
    expect(event.sequence_number).toBe(i);
    assertMatchesSpec('ResponseStreamEvent', event);
    assertMatchesSpec(SCHEMAS[event.type], event);
  });
}

const SCHEMAS: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.failed': 'ResponseFailedEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
};

/** The event types in order, runs of deltas collapsed to one. */
const shape = (events: StreamEvent[]) =>
  events
    .map((e) => e.type)
    .filter((type, i, all) => !type.endsWith('.delta') || all[i - 1] !== type);

beforeAll(async () => {
  const dir = secretsDir();
  writeKeyFile(dir, [all, echoOnly, tight]);
  t = await startApp({
    imports: [ProbeModule],
    apiKey: all.key,
    config: {
      secrets: { dir },
      // Small, so one test's response can exceed it.
      responses: { maxStoredBytes: 8192 },
      rateLimit: {
        tiers: {
          default: { requests: 1000, windowMs: 60_000 },
          tight: { requests: 2, windowMs: 60_000 },
        },
      },
    },
  });
});
afterAll(() => t.close());

describe('POST /v1/responses on the echo OL', () => {
  it('answers unstreamed with a Response object: output message, usage, the request echoed', async () => {
    const response = await t.client.responses.create({
      model: 'urn:mvp:echo',
      input: 'Hello, responses! 🌍',
      instructions: 'Be brief.',
      metadata: { ticket: 'T-1' },
      temperature: 0.5,
      max_output_tokens: 64,
    });
    assertMatchesSpec('Response', response);
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'urn:mvp:echo',
      instructions: 'Be brief.',
      metadata: { ticket: 'T-1' },
      temperature: 0.5,
      max_output_tokens: 64,
      // OpenAI's default: kept (see 'stored responses').
      store: true,
      previous_response_id: null,
      error: null,
      incomplete_details: null,
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
    });
    expect(response.output).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [
          { type: 'output_text', text: 'Hello, responses! 🌍', annotations: [], logprobs: [] },
        ],
      },
    ]);
    expect(response.output_text).toBe('Hello, responses! 🌍');
    const usage = response.usage!;
    expect(usage.output_tokens).toBeGreaterThan(2);
    expect(usage.input_tokens).toBeGreaterThan(usage.output_tokens);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
  });

  it('streams the events OpenAI sends, each numbered and spec-conformant; deltas add up to the text', async () => {
    const { status, events } = await post({
      model: 'urn:mvp:echo:chunk=3',
      input: 'streamed words here',
      stream: true,
    });
    expect(status).toBe(200);
    checkEvents(events);
    expect(shape(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.length).toBe(7);
    expect(deltas.map((e) => e.delta).join('')).toBe('streamed words here');
    const done = events.at(-1)!.response as OpenAI.Responses.Response;
    expect(done.status).toBe('completed');
    expect(done.usage!.output_tokens).toBeGreaterThan(0);
    expect(
      new Set(events.filter((e) => e.response).map((e) => (e.response as { id: string }).id)).size,
    ).toBe(1);
  });

  it("drives the SDK's responses.stream helper to the same final response", async () => {
    const stream = t.client.responses.stream({
      model: 'urn:mvp:echo:chunk=2',
      input: 'via helper',
    });
    let text = '';
    stream.on('response.output_text.delta', (e) => (text += e.delta));
    const final = await stream.finalResponse();
    assertMatchesSpec('Response', final);
    expect(text).toBe('via helper');
    expect(final.output_text).toBe('via helper');
  });

  it('logs one line naming the URN, the OL and the usage', async () => {
    await post({ model: 'urn:mvp:echo', input: 'log me' }, all, { 'x-request-id': 'resp-log' });
    await new Promise((r) => setTimeout(r, 50));
    const lines = t.logs
      .entries()
      .filter((e) => (e.req as { id?: string } | undefined)?.id === 'resp-log');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      urn: 'urn:mvp:echo',
      ol: 'echo',
      stream: false,
      usage: { completion_tokens: expect.any(Number) },
      res: { statusCode: 200 },
    });
  });
});

describe('function calls and failures (probe OL)', () => {
  it('returns one function_call item per tool call, unstreamed and streamed alike', async () => {
    const response = await t.client.responses.create({
      model: 'urn:mvp:probe:mode=tools',
      input: 'x',
    });
    assertMatchesSpec('Response', response);
    expect(response.output.map((item) => item.type)).toEqual([
      'message',
      'function_call',
      'function_call',
    ]);
    expect(response.output.slice(1)).toEqual([
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        status: 'completed',
        call_id: 'call_a',
        name: 'lookup',
        arguments: '{"q":"x"}',
      },
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        status: 'completed',
        call_id: 'call_b',
        name: 'other',
        arguments: '{}',
      },
    ]);

    const { events } = await post({ model: 'urn:mvp:probe:mode=tools', input: 'x', stream: true });
    checkEvents(events);
    expect(shape(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const args = events.filter(
      (e) => e.type === 'response.function_call_arguments.delta' && e.output_index === 1,
    );
    expect(args.map((e) => e.delta).join('')).toBe('{"q":"x"}');
    const final = events.at(-1)!.response as OpenAI.Responses.Response;
    expect(final.output.slice(1).map((i) => i.type === 'function_call' && i.call_id)).toEqual([
      'call_a',
      'call_b',
    ]);
  });

  it('a failure before the first event is a plain JSON error with its status', async () => {
    const { status, body } = await post({
      model: 'urn:mvp:probe:mode=fail_early',
      input: 'x',
      stream: true,
    });
    expect(status).toBe(500);
    assertMatchesSpec('ErrorResponse', body);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('a failure after the stream began ends it with response.failed, the partial output kept', async () => {
    const { status, events } = await post({
      model: 'urn:mvp:probe:mode=fail_late',
      input: 'x',
      stream: true,
    });
    expect(status).toBe(200);
    checkEvents(events);
    const failed = events.at(-1)!;
    expect(failed.type).toBe('response.failed');
    const response = failed.response as OpenAI.Responses.Response;
    expect(response.status).toBe('failed');
    expect(response.error).toEqual({ code: 'server_error', message: expect.any(String) });
    expect(response.error!.message).not.toContain('internal detail');
    expect(response.output).toEqual([
      expect.objectContaining({
        type: 'message',
        status: 'incomplete',
        content: [expect.objectContaining({ text: 'partial' })],
      }),
    ]);
  });

  it('a client that disconnects mid-stream aborts the OL', async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${all.key}`,
        'x-request-id': 'resp-abort',
      },
      body: JSON.stringify({ model: 'urn:mvp:probe:mode=slow', input: 'x', stream: true }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 100));
    expect(probeRecord.aborted).toContain('resp-abort');
  });
});

/** An output item without its generated id (and, for a message, compared by its text). */
const sansId = ({ id: _id, ...item }: OpenAI.Responses.ResponseOutputItem) => item;

describe('the same output items streamed or not (one builder)', () => {
  it('text, call, text: [message, function_call, message] both ways, names and call ids alike', async () => {
    const body = { model: 'urn:mvp:probe:mode=text_call_text', input: 'x' };
    const unstreamed = await t.client.responses.create(body);
    assertMatchesSpec('Response', unstreamed);
    const { events } = await post({ ...body, stream: true });
    checkEvents(events);
    const streamed = events.at(-1)!.response as OpenAI.Responses.Response;
    expect(unstreamed.output.map(sansId)).toEqual([
      {
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Checking. ', annotations: [], logprobs: [] }],
      },
      {
        type: 'function_call',
        status: 'completed',
        call_id: 'call_t',
        name: 'lookup',
        arguments: '{}',
      },
      {
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Done.', annotations: [], logprobs: [] }],
      },
    ]);
    expect(streamed.output.map(sansId)).toEqual(unstreamed.output.map(sansId));
  });

  it('sending that output back makes one assistant turn (text, then calls) before the tool result', async () => {
    const first = await t.client.responses
      .stream({
        model: 'urn:mvp:probe:mode=text_call_text',
        input: 'x',
      })
      .finalResponse();
    const { status } = await post({
      model: 'urn:mvp:probe',
      input: [
        { role: 'user', content: 'x' },
        ...first.output.map(sansId),
        { type: 'function_call_output', call_id: 'call_t', output: 'found' },
      ],
    });
    expect(status).toBe(200);
    expect(probeRecord.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: 'x' },
      {
        role: 'assistant',
        content: 'Checking. Done.',
        tool_calls: [
          { id: 'call_t', type: 'function', function: { name: 'lookup', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_t', content: 'found' },
    ]);
  });

  it('calls the upstream gave no id get one call_… id each, streamed or not, and can be answered', async () => {
    const unstreamed = await t.client.responses.create({
      model: 'urn:mvp:probe:mode=no_ids',
      input: 'x',
    });
    const streamed = await t.client.responses
      .stream({
        model: 'urn:mvp:probe:mode=no_ids',
        input: 'x',
      })
      .finalResponse();
    for (const response of [unstreamed, streamed]) {
      const ids = response.output.map((i) => i.type === 'function_call' && i.call_id);
      expect(ids).toEqual([
        expect.stringMatching(/^call_\w+$/),
        expect.stringMatching(/^call_\w+$/),
      ]);
      expect(new Set(ids).size).toBe(2);
    }
    const calls = unstreamed.output as OpenAI.Responses.ResponseFunctionToolCall[];
    const { status } = await post({
      model: 'urn:mvp:probe',
      previous_response_id: unstreamed.id,
      input: calls.map((c) => ({ type: 'function_call_output', call_id: c.call_id, output: 'ok' })),
    });
    expect(status).toBe(200);
    expect(probeRecord.requests.at(-1)!.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: calls[1].call_id,
      content: 'ok',
    });
  });
});

describe("the SDK's responses.stream helper", () => {
  it('ends on response.failed with the failed Response and its partial output', async () => {
    const stream = t.client.responses.stream({ model: 'urn:mvp:probe:mode=fail_late', input: 'x' });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.failed');
    const final = await stream.finalResponse();
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'server_error', message: expect.any(String) });
    expect(final.output_text).toBe('partial');
  });

  it('assembles interleaved calls, each with its own arguments', async () => {
    const stream = t.client.responses.stream({
      model: 'urn:mvp:probe:mode=interleaved',
      input: 'x',
    });
    const done: string[] = [];
    stream.on('response.function_call_arguments.done', (e) => done.push(e.arguments));
    const final = await stream.finalResponse();
    assertMatchesSpec('Response', final);
    expect(final.output.map(sansId)).toMatchObject([
      {
        type: 'function_call',
        status: 'completed',
        call_id: 'call_i0',
        name: 'first',
        arguments: '{"a":1}',
      },
      {
        type: 'function_call',
        status: 'completed',
        call_id: 'call_i1',
        name: 'second',
        arguments: '{"b":2}',
      },
    ]);
    expect(done).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('gives text after a call as its own message, output_text joining both', async () => {
    const stream = t.client.responses.stream({
      model: 'urn:mvp:probe:mode=text_call_text',
      input: 'x',
    });
    let text = '';
    stream.on('response.output_text.delta', (e) => (text += e.delta));
    const final = await stream.finalResponse();
    assertMatchesSpec('Response', final);
    expect(final.output.map((i) => i.type)).toEqual(['message', 'function_call', 'message']);
    expect(text).toBe('Checking. Done.');
    expect(final.output_text).toBe('Checking. Done.');
  });
});

describe('what the OL receives', () => {
  it('maps instructions, every item kind, tools, tool_choice, format, reasoning and sampling to the chat request', async () => {
    const { status } = await post({
      model: 'urn:mvp:probe',
      instructions: 'You are terse.',
      input: [
        { role: 'developer', content: 'dev rules' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'look' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
            { type: 'input_image', image_url: 'https://x/a.png', detail: 'original' },
            {
              type: 'input_file',
              file_data: 'data:application/pdf;base64,JVBE',
              filename: 'a.pdf',
            },
          ],
        },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Checking.', annotations: [] }],
        },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":1}' },
        { type: 'function_call', call_id: 'call_2', name: 'other', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'one' },
        {
          type: 'function_call_output',
          call_id: 'call_2',
          output: [{ type: 'input_text', text: 'two' }],
        },
        { role: 'user', content: 'go on' },
      ],
      tools: [
        {
          type: 'function',
          name: 'lookup',
          description: 'Looks up',
          parameters: { type: 'object' },
          strict: true,
        },
        { type: 'function', name: 'other', parameters: null, strict: null },
      ],
      tool_choice: { type: 'function', name: 'lookup' },
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 100,
      text: {
        format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
        verbosity: 'low',
      },
      reasoning: { effort: 'low', summary: 'auto' },
      top_logprobs: 2,
      user: 'end-user-1',
      safety_identifier: 'hashed-user',
      prompt_cache_key: 'bucket-1',
      service_tier: 'flex',
      truncation: 'disabled',
      store: true,
      include: ['reasoning.encrypted_content', 'message.output_text.logprobs'],
    });
    expect(status).toBe(200);
    const request = probeRecord.requests.at(-1)!;
    expect(request).toEqual({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: 'dev rules' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
            // `original` is at least `high`.
            { type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'high' } },
            {
              type: 'file',
              file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' },
            },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } },
            { id: 'call_2', type: 'function', function: { name: 'other', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'one' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'two' }] },
        { role: 'user', content: 'go on' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            description: 'Looks up',
            parameters: { type: 'object' },
            strict: true,
          },
        },
        { type: 'function', function: { name: 'other' } },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 100,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      reasoning_effort: 'low',
      logprobs: true,
      top_logprobs: 2,
      verbosity: 'low',
      user: 'end-user-1',
      safety_identifier: 'hashed-user',
      prompt_cache_key: 'bucket-1',
      service_tier: 'flex',
    });
  });

  it('allowed_tools over function tools offers only those, in its mode', async () => {
    const tool = (name: string) => ({
      type: 'function' as const,
      name,
      parameters: null,
      strict: null,
    });
    const { status } = await post({
      model: 'urn:mvp:probe',
      input: 'x',
      tools: [tool('a'), tool('b'), tool('c')],
      tool_choice: {
        type: 'allowed_tools',
        mode: 'required',
        tools: [
          { type: 'function', name: 'c' },
          { type: 'function', name: 'a' },
        ],
      },
    });
    expect(status).toBe(200);
    const request = probeRecord.requests.at(-1)!;
    expect(request.tools!.map((t) => t.function.name)).toEqual(['a', 'c']);
    expect(request.tool_choice).toBe('required');
  });

  it('top_logprobs alone asks for no logprobs: only include does', async () => {
    await post({ model: 'urn:mvp:probe', input: 'x', top_logprobs: 3 });
    expect(probeRecord.requests.at(-1)).not.toHaveProperty('logprobs');
    expect(probeRecord.requests.at(-1)).not.toHaveProperty('top_logprobs');
  });

  it('the end user the OL is told of: user, else safety_identifier', async () => {
    await post({ model: 'urn:mvp:probe', input: 'x', safety_identifier: 'hashed-9' });
    expect(probeRecord.callers.at(-1)).toMatchObject({ endUser: 'hashed-9' });
    await post({ model: 'urn:mvp:probe', input: 'x', user: 'u-1', safety_identifier: 'hashed-9' });
    expect(probeRecord.callers.at(-1)).toMatchObject({ endUser: 'u-1' });
  });

  it('echoes the settings in the Response', async () => {
    const response = await t.client.responses.create({
      model: 'urn:mvp:probe',
      input: 'x',
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: false }],
      tool_choice: 'required',
      text: { format: { type: 'json_object' } },
      reasoning: { effort: 'high' },
      store: false,
    });
    assertMatchesSpec('Response', response);
    expect(response).toMatchObject({
      tools: [
        {
          type: 'function',
          name: 'f',
          description: null,
          parameters: { type: 'object' },
          strict: false,
        },
      ],
      tool_choice: 'required',
      text: { format: { type: 'json_object' } },
      reasoning: { effort: 'high' },
      store: false,
    });
  });
});

describe('stored responses', () => {
  it('previous_response_id continues a conversation: its input and output come first, instructions do not carry over', async () => {
    const first = await t.client.responses.create({
      model: 'urn:mvp:probe:mode=tools',
      instructions: 'First rules.',
      input: 'Look it up.',
    });
    expect(first).toMatchObject({ store: true });
    const { status } = await post({
      model: 'urn:mvp:probe',
      previous_response_id: first.id,
      instructions: 'Second rules.',
      input: [
        { type: 'function_call_output', call_id: 'call_a', output: 'found' },
        { type: 'function_call_output', call_id: 'call_b', output: 'other' },
      ],
    });
    expect(status).toBe(200);
    expect(probeRecord.requests.at(-1)!.messages).toEqual([
      { role: 'system', content: 'Second rules.' },
      { role: 'user', content: 'Look it up.' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
          { id: 'call_b', type: 'function', function: { name: 'other', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'found' },
      { role: 'tool', tool_call_id: 'call_b', content: 'other' },
    ]);
  });

  it('chains over several turns, streamed ones included', async () => {
    const one = await t.client.responses.create({ model: 'urn:mvp:probe', input: 'one' });
    const stream = t.client.responses.stream({
      model: 'urn:mvp:probe',
      input: 'two',
      previous_response_id: one.id,
    });
    const two = await stream.finalResponse();
    expect(two.previous_response_id).toBe(one.id);
    await t.client.responses.create({
      model: 'urn:mvp:probe',
      input: 'three',
      previous_response_id: two.id,
    });
    const sent = probeRecord.requests.at(-1)!.messages;
    expect(sent.map((m) => [m.role, m.content])).toEqual([
      ['user', 'one'],
      ['assistant', 'ok'],
      ['user', 'two'],
      ['assistant', 'ok'],
      ['user', 'three'],
    ]);
  });

  it('GET returns the stored Response; DELETE removes it; both 404 afterwards', async () => {
    const created = await t.client.responses.create({ model: 'urn:mvp:echo', input: 'keep me' });
    const got = await t.client.responses.retrieve(created.id);
    assertMatchesSpec('Response', got);
    expect(got).toEqual({ ...created, output_text: 'keep me' });

    const res = await fetch(`${t.url}/v1/responses/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${all.key}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: created.id, object: 'response', deleted: true });

    const gone = await t.client.responses.retrieve(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    const again = await t.client.responses.delete(created.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OpenAI.NotFoundError);
    const continued = await post({
      model: 'urn:mvp:echo',
      input: 'x',
      previous_response_id: created.id,
    });
    expect(continued.status).toBe(404);
    assertMatchesSpec('ErrorResponse', continued.body);
    expect(continued.body.error).toMatchObject({
      code: 'not_found',
      param: 'previous_response_id',
    });
  });

  it('store: false keeps nothing', async () => {
    const response = await t.client.responses.create({
      model: 'urn:mvp:echo',
      input: 'x',
      store: false,
    });
    expect(response).toMatchObject({ store: false });
    const error = await t.client.responses.retrieve(response.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a response larger than responses.maxStoredBytes is not kept: store: false, and the log says why', async () => {
    const big = 'x'.repeat(5000);
    const response = await t.client.responses.create({ model: 'urn:mvp:echo', input: big });
    expect(response.output_text).toBe(big);
    expect(response).toMatchObject({ store: false });
    const error = await t.client.responses.retrieve(response.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const streamed = await t.client.responses
      .stream({ model: 'urn:mvp:echo', input: big })
      .finalResponse();
    expect(streamed).toMatchObject({ store: false });
    const lines = t.logs.entries().filter((e) => e.responseId === response.id);
    expect(lines).toEqual([
      expect.objectContaining({ msg: expect.stringContaining('responses.maxStoredBytes') }),
    ]);
  });

  it('a storage driver that fails to keep a response still answers, with store: false, and the log says why', async () => {
    const store = t.app.get(KeyValueStore);
    const set = store.set.bind(store);
    const failing = jest
      .spyOn(store, 'set')
      .mockImplementation((key, value, ttlMs) =>
        key.includes('resp:') ? Promise.reject(new Error('disk full')) : set(key, value, ttlMs),
      );
    try {
      const response = await t.client.responses.create({ model: 'urn:mvp:echo', input: 'kept?' });
      expect(response).toMatchObject({ status: 'completed', store: false, output_text: 'kept?' });
      const streamed = await t.client.responses
        .stream({ model: 'urn:mvp:echo', input: 'kept?' })
        .finalResponse();
      expect(streamed).toMatchObject({ status: 'completed', store: false, output_text: 'kept?' });
      for (const { id } of [response, streamed]) {
        const error = await t.client.responses.retrieve(id).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.NotFoundError);
        expect(t.logs.entries().filter((e) => e.responseId === id)).toEqual([
          expect.objectContaining({ level: 40, msg: expect.stringContaining('storage driver') }),
        ]);
      }
    } finally {
      failing.mockRestore();
    }
  });

  it("another user's key can neither read, continue nor delete a response: 404 as for an unknown id", async () => {
    const mine = await t.client.responses.create({ model: 'urn:mvp:echo', input: 'private' });
    const other = clientFor(echoOnly);
    for (const attempt of [
      other.responses.retrieve(mine.id),
      other.responses.delete(mine.id),
      other.responses.create({ model: 'urn:mvp:echo', input: 'x', previous_response_id: mine.id }),
      other.responses.retrieve('resp_00000000000000000000000000000000'),
    ]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as Error).message).not.toContain('private');
    }
    expect((await t.client.responses.retrieve(mine.id)).output_text).toBe('private');
  });
});

describe('GET /v1/responses/{id}/input_items', () => {
  /** The raw answer, to check a page against the spec. */
  async function listed(id: string, query = '') {
    const res = await fetch(`${t.url}/v1/responses/${id}/input_items${query}`, {
      headers: { authorization: `Bearer ${all.key}` },
    });
    return { status: res.status, body: (await res.json()) as JsonAnswer };
  }
  const textOf = (item: unknown) => (item as { content: Array<{ text: string }> }).content[0].text;

  it("lists a continued response's whole chain, each item kind in OpenAI's shape, newest first, ids stable", async () => {
    const image = 'data:image/png;base64,AA';
    const file = 'data:application/pdf;base64,AA';
    const first = await t.client.responses.create({
      model: 'urn:mvp:probe:mode=tools',
      instructions: 'Not an item.',
      input: [
        { role: 'developer', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look at this.' },
            { type: 'input_image', image_url: image, detail: 'auto' },
            { type: 'input_file', file_data: file, filename: 'a.pdf' },
          ],
        },
        { role: 'assistant', content: 'Earlier answer.' },
      ],
    });
    const second = await t.client.responses.create({
      model: 'urn:mvp:probe',
      previous_response_id: first.id,
      input: [
        { type: 'function_call_output', call_id: 'call_a', output: 'found' },
        {
          type: 'function_call_output',
          call_id: 'call_b',
          output: [{ type: 'input_text', text: 'other' }],
        },
      ],
    });
    const msgId = expect.stringMatching(/^msg_[0-9a-f]{32}$/);
    const fcoId = expect.stringMatching(/^fco_[0-9a-f]{32}$/);
    const firstInput = [
      {
        id: msgId,
        type: 'message',
        role: 'developer',
        status: 'completed',
        content: [{ type: 'input_text', text: 'Be terse.' }],
      },
      {
        id: msgId,
        type: 'message',
        role: 'user',
        status: 'completed',
        content: [
          { type: 'input_text', text: 'Look at this.' },
          { type: 'input_image', image_url: image, detail: 'auto' },
          { type: 'input_file', file_data: file, filename: 'a.pdf' },
        ],
      },
      {
        id: msgId,
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Earlier answer.', annotations: [], logprobs: [] }],
      },
    ];
    const chain = [
      ...firstInput,
      ...first.output,
      {
        id: fcoId,
        type: 'function_call_output',
        status: 'completed',
        call_id: 'call_a',
        output: 'found',
      },
      {
        id: fcoId,
        type: 'function_call_output',
        status: 'completed',
        call_id: 'call_b',
        output: [{ type: 'input_text', text: 'other' }],
      },
    ];
    expect(first.output.map((item) => item.type)).toEqual([
      'message',
      'function_call',
      'function_call',
    ]);

    const { status, body } = await listed(second.id);
    expect(status).toBe(200);
    assertMatchesSpec('ResponseItemList', body);
    const data = body.data as Array<{ id: string }>;
    expect(body).toEqual({
      object: 'list',
      data: chain.toReversed(),
      has_more: false,
      first_id: data[0].id,
      last_id: data.at(-1)!.id,
    });
    expect(new Set(data.map((item) => item.id)).size).toBe(chain.length);

    // The same ids each time, and for the items the first response answered too.
    const again = await t.client.responses.inputItems.list(second.id, { order: 'asc' });
    expect(again.data.map((item) => item.id)).toEqual(data.map((item) => item.id).toReversed());
    const ofFirst = await listed(first.id, '?order=asc');
    assertMatchesSpec('ResponseItemList', ofFirst.body);
    expect(ofFirst.body.data).toEqual(again.data.slice(0, 3));
  });

  it('pages with the SDK: limit, order and after; has_more, first_id and last_id say where a page is', async () => {
    const response = await t.client.responses.create({
      model: 'urn:mvp:echo',
      input: ['m0', 'm1', 'm2', 'm3', 'm4'].map((text) => ({
        role: 'user' as const,
        content: text,
      })),
    });
    const page = await t.client.responses.inputItems.list(response.id, { limit: 2 });
    expect(page.data.map(textOf)).toEqual(['m4', 'm3']);
    expect(page.has_more).toBe(true);
    const next = await page.getNextPage();
    expect(next.data.map(textOf)).toEqual(['m2', 'm1']);

    const all: string[] = [];
    for await (const item of t.client.responses.inputItems.list(response.id, {
      limit: 2,
      order: 'asc',
    }))
      all.push(textOf(item));
    expect(all).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);

    const after = (await t.client.responses.inputItems.list(response.id, { order: 'asc' })).data;
    const middle = await listed(response.id, `?order=asc&limit=2&after=${after[1].id}`);
    assertMatchesSpec('ResponseItemList', middle.body);
    expect(middle.body).toMatchObject({
      has_more: true,
      first_id: after[2].id,
      last_id: after[3].id,
    });
    expect((middle.body.data as unknown[]).map(textOf)).toEqual(['m2', 'm3']);
    const end = await listed(response.id, `?order=asc&limit=2&after=${after[3].id}`);
    expect(end.body).toMatchObject({
      has_more: false,
      first_id: after[4].id,
      last_id: after[4].id,
    });
  });

  it('refuses a bad limit, order or after with a 400 naming it', async () => {
    const response = await t.client.responses.create({ model: 'urn:mvp:echo', input: 'x' });
    for (const [query, param] of [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=2.5', 'limit'],
      ['?order=newest', 'order'],
      ['?after=msg_unknown', 'after'],
      ['?limit=1&limit=2', 'limit'],
    ]) {
      const { status, body } = await listed(response.id, query);
      expect([query, status]).toEqual([query, 400]);
      assertMatchesSpec('ErrorResponse', body);
      expect(body.error).toMatchObject({ param, code: 'invalid_value' });
    }
    expect((await listed(response.id, '?limit=100')).status).toBe(200);
  });

  it("is a 404 for another user's, a deleted or an unknown response, as GET is", async () => {
    const mine = await t.client.responses.create({ model: 'urn:mvp:echo', input: 'private' });
    const other = await clientFor(echoOnly)
      .responses.inputItems.list(mine.id)
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(OpenAI.NotFoundError);
    expect((other as Error).message).not.toContain('private');
    await t.client.responses.delete(mine.id);
    for (const id of [mine.id, 'resp_00000000000000000000000000000000', 'nope']) {
      const error = await t.client.responses.inputItems.list(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    }
  });
});

describe('refused requests: OpenAI-shaped 400s naming the param', () => {
  const FN = { type: 'function', name: 'f' };
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'a hosted tool',
      { input: 'x', tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }] },
      'tools[1].type',
      'unsupported_value',
    ],
    [
      'an mcp tool',
      { input: 'x', tools: [{ type: 'mcp', server_label: 's', server_url: 'https://x' }] },
      'tools[0].type',
      'unsupported_value',
    ],
    [
      'an image without a URL',
      {
        input: [
          { role: 'user', content: 'a' },
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'b' },
              { type: 'input_image', detail: 'auto' },
            ],
          },
        ],
      },
      'input[1].content[1].image_url',
      'invalid_value',
    ],
    [
      'an unknown part type',
      { input: [{ role: 'user', content: [{ type: 'text', text: 'b' }] }] },
      'input[0].content[0].type',
      'invalid_value',
    ],
    ['a bad role', { input: [{ role: 'tool', content: 'b' }] }, 'input[0].role', 'invalid_value'],
    [
      'a function_call without call_id',
      { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      'input[0].call_id',
      'invalid_value',
    ],
    ['an item that is not an object', { input: ['hi'] }, 'input[0]', 'invalid_value'],
    [
      'an unsupported item type',
      { input: [{ type: 'reasoning', summary: [] }] },
      'input[0].type',
      'unsupported_value',
    ],
    ['an empty input', { input: [] }, 'input', 'invalid_value'],
    ['a missing input', {}, 'input', 'invalid_value'],
    [
      'a hosted tool_choice',
      { input: 'x', tool_choice: { type: 'web_search_preview' } },
      'tool_choice.type',
      'unsupported_value',
    ],
    [
      'an mcp tool_choice',
      { input: 'x', tool_choice: { type: 'mcp', server_label: 's' } },
      'tool_choice.type',
      'unsupported_value',
    ],
    [
      'a custom tool_choice',
      { input: 'x', tool_choice: { type: 'custom', name: 'c' } },
      'tool_choice.type',
      'unsupported_value',
    ],
    [
      'a tool_choice naming no tool',
      { input: 'x', tools: [FN], tool_choice: { type: 'function', name: 'g' } },
      'tool_choice.name',
      'invalid_value',
    ],
    [
      'allowed_tools with a hosted tool',
      {
        input: 'x',
        tools: [FN],
        tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'web_search' }] },
      },
      'tool_choice.tools[0].type',
      'unsupported_value',
    ],
    [
      'allowed_tools naming no tool',
      {
        input: 'x',
        tools: [FN],
        tool_choice: {
          type: 'allowed_tools',
          mode: 'required',
          tools: [{ type: 'function', name: 'g' }],
        },
      },
      'tool_choice.tools[0].name',
      'invalid_value',
    ],
    [
      'allowed_tools in mode none',
      {
        input: 'x',
        tools: [FN],
        tool_choice: { type: 'allowed_tools', mode: 'none', tools: [FN] },
      },
      'tool_choice.mode',
      'invalid_value',
    ],
    [
      'conversation',
      { input: 'x', conversation: 'conv_1' },
      'conversation',
      'unsupported_parameter',
    ],
    [
      'a stored prompt',
      { input: 'x', prompt: { id: 'pmpt_1' } },
      'prompt',
      'unsupported_parameter',
    ],
    [
      'max_tool_calls',
      { input: 'x', max_tool_calls: 3 },
      'max_tool_calls',
      'unsupported_parameter',
    ],
    [
      'moderation',
      { input: 'x', moderation: { model: 'omni-moderation-latest' } },
      'moderation',
      'unsupported_parameter',
    ],
    [
      'context_management',
      { input: 'x', context_management: [{ type: 'compaction', compact_threshold: 2000 }] },
      'context_management',
      'unsupported_parameter',
    ],
    ['background', { input: 'x', background: true }, 'background', 'unsupported_value'],
    ["truncation 'auto'", { input: 'x', truncation: 'auto' }, 'truncation', 'unsupported_value'],
    [
      'an include value outside the spec',
      { input: 'x', include: ['message.output_text.logprobs', 'output_text.annotations'] },
      'include[1]',
      'invalid_value',
    ],
    [
      'an item_reference',
      { input: [{ type: 'item_reference', id: 'msg_1' }] },
      'input[0].type',
      'unsupported_value',
    ],
    [
      'an image by file_id',
      {
        input: [
          { role: 'user', content: [{ type: 'input_image', file_id: 'file_1', detail: 'auto' }] },
        ],
      },
      'input[0].content[0].file_id',
      'unsupported_value',
    ],
    [
      'an image detail outside the spec',
      {
        input: [
          {
            role: 'user',
            content: [{ type: 'input_image', image_url: 'https://x', detail: 'max' }],
          },
        ],
      },
      'input[0].content[0].detail',
      'invalid_value',
    ],
    [
      'a file by file_url',
      { input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://x/a.pdf' }] }] },
      'input[0].content[0].file_url',
      'unsupported_value',
    ],
    [
      'an image in a function_call_output',
      {
        input: [
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          {
            type: 'function_call_output',
            call_id: 'c1',
            output: [
              { type: 'input_text', text: 'see' },
              { type: 'input_image', image_url: 'https://x/a.png', detail: 'auto' },
            ],
          },
        ],
      },
      'input[1].output[1].type',
      'unsupported_value',
    ],
    ['a temperature out of range', { input: 'x', temperature: 3 }, 'temperature', 'invalid_value'],
    [
      'metadata that is not strings',
      { input: 'x', metadata: { n: 1 } },
      'metadata',
      'invalid_value',
    ],
    [
      'a json_schema format without a schema',
      { input: 'x', text: { format: { type: 'json_schema', name: 'a' } } },
      'text.format.schema',
      'invalid_value',
    ],
  ];
  it.each(cases)('%s', async (_, fields, param, code) => {
    const { status, body } = await post({ model: 'urn:mvp:echo', ...fields });
    expect(status).toBe(400);
    assertMatchesSpec('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param, code });
  });

  it('fields that change nothing here are accepted (and ignored), a null refused one too', async () => {
    const { status, body } = await post({
      model: 'urn:mvp:echo',
      input: 'x',
      stream_options: { include_obfuscation: false },
      prompt_cache_retention: '24h',
      prompt_cache_options: { ttl: '30m' },
      reasoning: { effort: 'low', mode: 'standard', context: 'auto', generate_summary: 'auto' },
      moderation: null,
      context_management: null,
    });
    expect(status).toBe(200);
    assertMatchesSpec('Response', body);
  });

  it('an unknown model URN is a 404 model_not_found, as for chat completions', async () => {
    const error = await t.client.responses
      .create({ model: 'urn:mvp:nothing', input: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });
});

describe('authentication, access and rate limits apply as for chat completions', () => {
  it('401 without a key', async () => {
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'urn:mvp:echo', input: 'x' }),
    });
    expect(res.status).toBe(401);
  });

  it('a key without access to the OL gets the same 404 on both endpoints', async () => {
    const client = clientFor(echoOnly);
    expect((await client.responses.create({ model: 'urn:mvp:echo', input: 'x' })).output_text).toBe(
      'x',
    );
    const viaResponses = (await post({ model: 'urn:mvp:reverse', input: 'x' }, echoOnly)).body;
    const viaChat = (await (
      await fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${echoOnly.key}` },
        body: JSON.stringify({
          model: 'urn:mvp:reverse',
          messages: [{ role: 'user', content: 'x' }],
        }),
      })
    ).json()) as Record<string, unknown>;
    expect(viaResponses).toEqual(viaChat);
    expect(viaResponses.error).toMatchObject({ code: 'model_not_found' });
  });

  it('one request budget across both endpoints: the third request is a 429', async () => {
    const client = clientFor(tight);
    await client.responses.create({ model: 'urn:mvp:echo', input: 'one' });
    await client.chat.completions.create({
      model: 'urn:mvp:echo',
      messages: [{ role: 'user', content: 'two' }],
    });
    const error = await client.responses
      .create({ model: 'urn:mvp:echo', input: 'three' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
