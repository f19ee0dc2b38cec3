import { describe, expect, it } from '@jest/globals';
import type { ChatEvent, ChatRequest } from '../../common/chat.types.js';
import { ConnectorError, ConnectorErrorCode } from '../connector.error.js';
import { ConnectorDefaults } from '../connectors.config.js';
import {
  AnthropicStreamTranslator,
  messageEvents,
  statusOfErrorType,
  thinkingTurnOf,
  toAnthropicParams,
  toFinishReason,
  toUsage,
  type AnthropicStreamEvent,
} from './anthropic-translation.js';

const defaults = new ConnectorDefaults();
const params = (request: Partial<ChatRequest>, d: ConnectorDefaults = defaults) =>
  toAnthropicParams({ messages: [{ role: 'user', content: 'hi' }], ...request }, 'claude-x', d);

function thrown(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError');
}

describe('toAnthropicParams', () => {
  it('lifts system and developer messages into `system`, joined in order', () => {
    const p = params({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
      ],
    });
    expect(p.system).toBe('Be brief.\n\nUse French.');
    expect(p.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('sends no `system` when there is none', () => {
    expect(params({}).system).toBeUndefined();
  });

  it('merges consecutive turns of one role and skips empty text', () => {
    const p = params({
      messages: [
        { role: 'user', content: 'one' },
        { role: 'user', content: '' },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: 'three' },
        { role: 'assistant', content: 'four' },
      ],
    });
    expect(p.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'three' },
          { type: 'text', text: 'four' },
        ],
      },
    ]);
  });

  it('turns images into base64 or url sources and PDFs into documents', () => {
    const p = params({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
            { type: 'image_url', image_url: { url: 'data:image/JPG;base64,BBBB' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            {
              type: 'file',
              file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
            },
          ],
        },
      ],
    });
    expect(p.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'BBBB' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
      },
    ]);
  });

  it('refuses what Anthropic cannot take, naming the part', () => {
    const audio = thrown(() =>
      params({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'input_audio', input_audio: { data: 'A', format: 'wav' } },
            ],
          },
        ],
      }),
    );
    expect(audio.code).toBe(ConnectorErrorCode.UNSUPPORTED_INPUT);
    expect(audio.param).toBe('messages[0].content[1]');
    const bmp = thrown(() =>
      params({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA' } }],
          },
        ],
      }),
    );
    expect(bmp.message).toContain('image/bmp');
    const fileId = thrown(() =>
      params({
        messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }],
      }),
    );
    expect(fileId.param).toBe('messages[0].content[0]');
  });

  it('turns assistant tool_calls into tool_use blocks and tool messages into tool_result blocks of one user turn', () => {
    const p = params({
      messages: [
        { role: 'user', content: 'weather and time?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'weather', arguments: '{"city":"Oslo"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'rain' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
      ],
    });
    expect(p.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'call_2', name: 'time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'rain' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '12:00' },
        ],
      },
    ]);
  });

  it('puts tool results first in a user turn, whatever the order they came in', () => {
    const p = params({
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'user', content: 'by the way' },
        { role: 'tool', tool_call_id: 't1', content: '' },
      ],
    });
    expect(p.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1' },
        { type: 'text', text: 'by the way' },
      ],
    });
  });

  it('refuses tool-call arguments that are not a JSON object', () => {
    const error = thrown(() =>
      params({
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      }),
    );
    expect(error.param).toBe('messages[0].tool_calls[0].function.arguments');
  });

  it('maps tools to input_schema', () => {
    const p = params({
      tools: [
        {
          type: 'function',
          function: {
            name: 'a',
            description: 'A',
            parameters: { type: 'object', properties: { x: { type: 'number' } } },
          },
        },
        { type: 'function', function: { name: 'b', strict: true } },
      ],
    });
    expect(p.tools).toEqual([
      {
        name: 'a',
        description: 'A',
        input_schema: { type: 'object', properties: { x: { type: 'number' } } },
      },
      { name: 'b', input_schema: { type: 'object' }, strict: true },
    ]);
    expect(p.tool_choice).toBeUndefined();
  });

  it.each([
    ['auto', undefined, undefined],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['none', undefined, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'a' } }, undefined, { type: 'tool', name: 'a' }],
  ] as const)('maps tool_choice %j (parallel %s) to %j', (choice, parallel, expected) => {
    const p = params({
      tools: [{ type: 'function', function: { name: 'a' } }],
      tool_choice: choice as ChatRequest['tool_choice'],
      parallel_tool_calls: parallel,
    });
    expect(p.tool_choice).toEqual(expected);
  });

  it('sends no tool_choice without tools', () => {
    expect(params({ tool_choice: 'required' }).tool_choice).toBeUndefined();
  });

  it('takes max_tokens from the client, then the config, then 4096', () => {
    const configured = Object.assign(new ConnectorDefaults(), { max_tokens: 300 });
    expect(params({ max_completion_tokens: 10, max_tokens: 20 }, configured).max_tokens).toBe(10);
    expect(params({ max_tokens: 20 }, configured).max_tokens).toBe(20);
    expect(params({}, configured).max_tokens).toBe(300);
    expect(params({}).max_tokens).toBe(4096);
  });

  it('maps stop, user, json_schema and reasoning effort; sends no sampling parameters', () => {
    const p = params({
      stop: 'END',
      user: 'u-1',
      temperature: 0.5,
      top_p: 0.5,
      seed: 3,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', schema: { type: 'object' } },
      },
      reasoning_effort: 'minimal',
    });
    expect(p).toEqual({
      model: 'claude-x',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } }, effort: 'low' },
    });
    expect(params({ stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b']);
    expect(params({ user: 'u-1', safety_identifier: 'sid-1' }).metadata).toEqual({
      user_id: 'sid-1',
    });
  });
});

describe('Anthropic answers as events', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ] as const)('maps stop_reason %s to finish_reason %s', (reason, finish) => {
    expect(toFinishReason(reason)).toBe(finish);
  });

  it('counts cached input tokens in prompt_tokens, as OpenAI does', () => {
    expect(toUsage({ input_tokens: 10, output_tokens: 5 })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
    });
    expect(
      toUsage({
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
      }),
    ).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });

  it('reports thinking tokens as reasoning_tokens', () => {
    expect(
      toUsage({
        input_tokens: 1,
        output_tokens: 50,
        output_tokens_details: { thinking_tokens: 40 },
      }),
    ).toEqual({
      prompt_tokens: 1,
      completion_tokens: 50,
      total_tokens: 51,
      completion_tokens_details: { reasoning_tokens: 40 },
    });
  });

  it('turns a whole message into text, numbered tool calls, usage and finish', () => {
    const events = messageEvents({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'Sure.', citations: null },
        { type: 'tool_use', id: 'toolu_a', name: 'f', input: { a: 1 } },
        { type: 'tool_use', id: 'toolu_b', name: 'g', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 4 },
    } as unknown as Parameters<typeof messageEvents>[0]);
    expect(events).toEqual([
      { type: 'text', text: 'Sure.' },
      { type: 'tool_call', index: 0, id: 'toolu_a', name: 'f', arguments: '{"a":1}' },
      { type: 'tool_call', index: 1, id: 'toolu_b', name: 'g', arguments: '{}' },
      { type: 'usage', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('translates a stream, renumbering tool blocks into OpenAI tool-call indexes', () => {
    const stream = [
      {
        type: 'message_start',
        message: { usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 5 } },
      },
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Let me ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'check.' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '' },
      },
      {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '{"city":' },
      },
      {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '"Oslo"}' },
      },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'content_block_start',
        index: 3,
        content_block: { type: 'tool_use', id: 'toolu_2', name: 'time', input: {} },
      },
      { type: 'content_block_stop', index: 3 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 42 },
      },
      { type: 'message_stop' },
    ] as unknown as AnthropicStreamEvent[];
    const translator = new AnthropicStreamTranslator();
    const events: ChatEvent[] = [];
    const done = stream.map((event) => translator.push(event, events));
    expect(done.indexOf(true)).toBe(stream.length - 1);
    events.push(...translator.end());
    // Its thinking block is unsigned: nothing to send back.
    expect(translator.thinkingTurn()).toBeUndefined();
    expect(events).toEqual([
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: 'check.' },
      { type: 'tool_call', index: 0, id: 'toolu_1', name: 'weather' },
      { type: 'tool_call', index: 0, arguments: '{"city":' },
      { type: 'tool_call', index: 0, arguments: '"Oslo"}' },
      { type: 'tool_call', index: 1, id: 'toolu_2', name: 'time' },
      { type: 'tool_call', index: 1, arguments: '{}' },
      {
        type: 'usage',
        usage: {
          prompt_tokens: 30,
          completion_tokens: 42,
          total_tokens: 72,
          prompt_tokens_details: { cached_tokens: 5 },
        },
      },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('takes the final input count from message_delta when it carries one', () => {
    const translator = new AnthropicStreamTranslator();
    const events: ChatEvent[] = [];
    translator.push(
      {
        type: 'message_start',
        message: { usage: { input_tokens: 1, output_tokens: 1 } },
      } as unknown as AnthropicStreamEvent,
      events,
    );
    translator.push(
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { input_tokens: 9, output_tokens: 3 },
      } as unknown as AnthropicStreamEvent,
      events,
    );
    translator.push({ type: 'message_stop' } as AnthropicStreamEvent, events);
    events.push(...translator.end());
    expect(events).toEqual([
      { type: 'usage', usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it.each([
    ['invalid_request_error', 400],
    ['authentication_error', 401],
    ['permission_error', 403],
    ['not_found_error', 404],
    ['request_too_large', 413],
    ['rate_limit_error', 429],
    ['overloaded_error', 529],
    ['api_error', 500],
    [undefined, 500],
  ])('maps a mid-stream %s error to HTTP %d', (type, status) => {
    expect(statusOfErrorType(type)).toBe(status);
  });
});

describe('turns that thought and called tools', () => {
  const thinking = { type: 'thinking', thinking: 'Oslo first.', signature: 'sig==' } as const;
  const turn = [
    thinking,
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'text', text: 'Checking.' },
    { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
  ] as const;
  const stream = [
    { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } },
    {
      type: 'content_block_start',
      index: 0,
      content_block: { ...thinking, thinking: '', signature: '' },
    },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Oslo ' } },
    {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'thinking_delta', thinking: 'first.' },
    },
    {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'signature_delta', signature: 'sig==' },
    },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'redacted_thinking', data: 'opaque' },
    },
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Checking.' } },
    { type: 'content_block_stop', index: 2 },
    {
      type: 'content_block_start',
      index: 3,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
    },
    {
      type: 'content_block_delta',
      index: 3,
      delta: { type: 'input_json_delta', partial_json: '{"city":' },
    },
    {
      type: 'content_block_delta',
      index: 3,
      delta: { type: 'input_json_delta', partial_json: '"Oslo"}' },
    },
    { type: 'content_block_stop', index: 3 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  ] as unknown as AnthropicStreamEvent[];

  it('assembles a streamed one block by block, showing none of its thinking', () => {
    const translator = new AnthropicStreamTranslator();
    const events: ChatEvent[] = [];
    for (const event of stream) translator.push(event, events);
    expect(events.filter((e) => e.type === 'text')).toEqual([{ type: 'text', text: 'Checking.' }]);
    expect(translator.thinkingTurn()).toEqual(turn);
  });

  it('keeps a whole one as it came, and nothing of a turn without thinking or without tools', () => {
    const content = turn as unknown as Parameters<typeof thinkingTurnOf>[0];
    expect(thinkingTurnOf(content)).toEqual(turn);
    expect(thinkingTurnOf(content.slice(2))).toBeUndefined();
    expect(thinkingTurnOf(content.slice(0, 3))).toBeUndefined();
    expect(messageEvents({ content, usage: {}, stop_reason: 'tool_use' } as never)).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_call', index: 0, id: 'toolu_1', name: 'weather', arguments: '{"city":"Oslo"}' },
      expect.objectContaining({ type: 'usage' }),
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  const conversation = (text: string, args: string): Partial<ChatRequest> => ({
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: text,
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: args } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
    ],
  });
  const kept = new Map([['toolu_1', [...turn] as never]]);

  it('sends a kept turn back in place of the assistant message that matches it', () => {
    const sent = toAnthropicParams(
      conversation('Checking.', '{"city":"Oslo"}') as ChatRequest,
      'claude-x',
      defaults,
      kept,
    );
    expect(sent.messages[1]).toEqual({ role: 'assistant', content: turn });
  });

  it('sends a kept turn whatever text the client kept beside the calls, and key order', () => {
    for (const [text, args] of [
      ['', '{"city":"Oslo"}'],
      ['Checking, rewritten.', '{ "city" : "Oslo" }'],
    ]) {
      const sent = toAnthropicParams(
        conversation(text, args) as ChatRequest,
        'claude-x',
        defaults,
        kept,
      );
      expect(sent.messages[1]).toEqual({ role: 'assistant', content: turn });
    }
    const twoKeys = new Map([
      [
        'toolu_1',
        [
          thinking,
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo', days: 2 } },
        ] as never,
      ],
    ]);
    const sent = toAnthropicParams(
      conversation('', '{"days":2,"city":"Oslo"}') as ChatRequest,
      'claude-x',
      defaults,
      twoKeys,
    );
    expect((sent.messages[1].content as Array<{ type: string }>)[0].type).toBe('thinking');
  });

  it('sends the client’s own message when its calls differ from the kept turn', () => {
    for (const [text, args] of [
      ['Checking.', '{"city":"Bergen"}'],
      ['Checking.', '{"city":"Oslo","days":1}'],
    ]) {
      const sent = toAnthropicParams(
        conversation(text, args) as ChatRequest,
        'claude-x',
        defaults,
        kept,
      );
      expect((sent.messages[1].content as Array<{ type: string }>).map((b) => b.type)).toEqual([
        'text',
        'tool_use',
      ]);
    }
  });
});
