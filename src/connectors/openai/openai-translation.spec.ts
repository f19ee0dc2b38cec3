import { describe, expect, it } from '@jest/globals';
import type { ChatEvent } from '../../common/chat.types.js';
import { ConnectorDefaults } from '../connectors.config.js';
import {
  chunkEvents,
  completionEvents,
  toOpenAiParams,
  type StreamData,
} from './openai-translation.js';

describe('toOpenAiParams', () => {
  const messages = [{ role: 'user' as const, content: 'hi' }];

  it('passes the request through with the upstream model', () => {
    expect(
      toOpenAiParams(
        { messages, temperature: 0.2, stop: ['x'], user: 'u' },
        'gpt-x',
        new ConnectorDefaults(),
      ),
    ).toEqual({
      model: 'gpt-x',
      messages,
      temperature: 0.2,
      stop: ['x'],
      user: 'u',
    });
  });

  it('fills unset fields from the config defaults, never over the client', () => {
    const defaults = Object.assign(new ConnectorDefaults(), {
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.8,
    });
    expect(toOpenAiParams({ messages }, 'm', defaults)).toEqual({
      model: 'm',
      messages,
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.8,
    });
    expect(
      toOpenAiParams({ messages, max_completion_tokens: 5, temperature: 0 }, 'm', defaults),
    ).toEqual({
      model: 'm',
      messages,
      max_completion_tokens: 5,
      temperature: 0,
      top_p: 0.8,
    });
  });

  it("sends developer messages as system to OpenAI-compatible servers, as is to OpenAI's API", () => {
    const withDeveloper = [
      { role: 'developer' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hi' },
    ];
    expect(
      toOpenAiParams({ messages: withDeveloper }, 'm', new ConnectorDefaults()).messages,
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
    expect(
      toOpenAiParams({ messages: withDeveloper }, 'm', new ConnectorDefaults(), true).messages,
    ).toBe(withDeveloper);
  });

  it("sends a configured limit as max_completion_tokens to OpenAI's API", () => {
    const defaults = Object.assign(new ConnectorDefaults(), { max_tokens: 100 });
    expect(toOpenAiParams({ messages }, 'm', defaults, true)).toEqual({
      model: 'm',
      messages,
      max_completion_tokens: 100,
    });
    expect(toOpenAiParams({ messages, max_tokens: 7 }, 'm', defaults, true)).toEqual({
      model: 'm',
      messages,
      max_tokens: 7,
    });
  });
});

describe('OpenAI answers as events', () => {
  const chunk = (delta: object, finish: string | null = null, usage?: object): StreamData =>
    ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(usage ? { usage } : {}),
    }) as StreamData;

  it('maps content, tool-call fragments, finish and usage chunks', () => {
    const out: ChatEvent[] = [];
    expect(chunkEvents(chunk({ role: 'assistant', content: '' }), out)).toBe(false);
    chunkEvents(chunk({ content: 'Hi' }), out);
    chunkEvents(
      chunk({
        tool_calls: [
          { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
        ],
      }),
      out,
    );
    chunkEvents(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }), out);
    expect(chunkEvents(chunk({}, 'function_call'), out)).toBe(true);
    chunkEvents(
      {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      } as StreamData,
      out,
    );
    expect(out).toEqual([
      { type: 'text', text: 'Hi' },
      { type: 'tool_call', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool_call', index: 0, arguments: '{"a":' },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ]);
  });

  it('numbers whole tool calls sent without an index by their position', () => {
    const out: ChatEvent[] = [];
    chunkEvents(
      chunk({
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } },
        ],
      }),
      out,
    );
    expect(out).toEqual([
      { type: 'tool_call', index: 0, id: 'a', name: 'f', arguments: '{}' },
      { type: 'tool_call', index: 1, id: 'b', name: 'g', arguments: '{"x":1}' },
    ]);
  });

  it('keeps cached and reasoning token details', () => {
    const out: ChatEvent[] = [];
    chunkEvents(
      chunk({}, 'stop', {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      }),
      out,
    );
    expect(out).toEqual([
      { type: 'finish', reason: 'stop' },
      {
        type: 'usage',
        usage: {
          prompt_tokens: 10,
          completion_tokens: 5,
          total_tokens: 15,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      },
    ]);
  });

  it('turns a whole completion into the events a stream would give', () => {
    const events = completionEvents({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Calling.',
            refusal: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    expect(events).toEqual([
      { type: 'text', text: 'Calling.' },
      { type: 'tool_call', index: 0, id: 'call_1', name: 'f', arguments: '{}' },
      { type: 'usage', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it("passes a refusal on as text, with its tokens' log probabilities", () => {
    const token = { token: 'No', logprob: -0.1, bytes: [78, 111], top_logprobs: [] };
    const streamed: ChatEvent[] = [];
    chunkEvents(
      {
        ...chunk({ refusal: 'No' }),
        choices: [
          {
            index: 0,
            delta: { refusal: 'No' },
            finish_reason: null,
            logprobs: { content: null, refusal: [token] },
          },
        ],
      } as StreamData,
      streamed,
    );
    expect(streamed).toEqual([{ type: 'text', text: 'No', logprobs: [token] }]);
    const whole = completionEvents({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          logprobs: { content: null, refusal: [token] },
          finish_reason: 'stop',
          message: { role: 'assistant', content: null, refusal: 'No' },
        },
      ],
    });
    expect(whole[0]).toEqual({ type: 'text', text: 'No', logprobs: [token] });
  });
});
