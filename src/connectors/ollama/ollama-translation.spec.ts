import { describe, expect, it } from '@jest/globals';
import type { ChatEvent, ChatRequest } from '../../common/chat.types.js';
import { ConnectorError, ConnectorErrorCode } from '../connector.error.js';
import { ConnectorDefaults } from '../connectors.config.js';
import { OllamaTranslator, toOllamaRequest, type OllamaLine } from './ollama-translation.js';

const request = (r: Partial<ChatRequest>, defaults = new ConnectorDefaults()) =>
  toOllamaRequest(
    { messages: [{ role: 'user', content: 'hi' }], ...r },
    'llama3.1:8b',
    defaults,
    true,
  );

const TOOL = {
  type: 'function' as const,
  function: { name: 'weather', description: 'W', parameters: { type: 'object', properties: {} } },
};

describe('toOllamaRequest', () => {
  it('maps roles, joins text parts and passes images as bare base64', () => {
    const body = request({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What ' },
            { type: 'text', text: 'is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    expect(body).toEqual({
      model: 'llama3.1:8b',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is this?', images: ['AAAA'] },
      ],
    });
  });

  it('refuses http image URLs and audio, naming the part', () => {
    const refuse = (r: Partial<ChatRequest>): ConnectorError => {
      try {
        request(r);
      } catch (error) {
        if (error instanceof ConnectorError) return error;
      }
      throw new Error('expected a ConnectorError');
    };
    const url = refuse({
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] },
      ],
    });
    expect(url).toMatchObject({
      code: ConnectorErrorCode.UNSUPPORTED_INPUT,
      param: 'messages[0].content[0]',
    });
    const audio = refuse({
      messages: [
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: 'A', format: 'mp3' } }],
        },
      ],
    });
    expect(audio.param).toBe('messages[0].content[0]');
  });

  it('sends tool calls with object arguments and names the tool a result answers', () => {
    const body = request({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_9',
              type: 'function',
              function: { name: 'weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_9', content: 'rain' },
      ],
      tools: [TOOL],
    });
    expect(body.messages?.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }],
      },
      { role: 'tool', content: 'rain', tool_name: 'weather' },
    ]);
    expect(body.tools).toEqual([TOOL]);
  });

  it('approximates tool_choice: none drops the tools, a named choice offers that tool only', () => {
    const other = { type: 'function' as const, function: { name: 'other' } };
    expect(request({ tools: [TOOL, other], tool_choice: 'none' }).tools).toBeUndefined();
    expect(
      request({
        tools: [TOOL, other],
        tool_choice: { type: 'function', function: { name: 'other' } },
      }).tools,
    ).toEqual([{ type: 'function', function: { name: 'other' } }]);
    expect(request({ tools: [TOOL, other], tool_choice: 'required' }).tools).toHaveLength(2);
  });

  it('puts sampling and limits in options, with the config defaults underneath', () => {
    const defaults = Object.assign(new ConnectorDefaults(), { max_tokens: 100, temperature: 0.7 });
    expect(
      request(
        { top_p: 0.9, stop: 'END', seed: 1, presence_penalty: 0.1, frequency_penalty: 0.2 },
        defaults,
      ).options,
    ).toEqual({
      temperature: 0.7,
      top_p: 0.9,
      num_predict: 100,
      stop: ['END'],
      seed: 1,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
    });
    expect(request({ max_completion_tokens: 5, temperature: 0 }, defaults).options).toEqual({
      temperature: 0,
      num_predict: 5,
    });
    expect(request({}).options).toBeUndefined();
  });

  it('maps response_format to format', () => {
    expect(request({ response_format: { type: 'json_object' } }).format).toBe('json');
    expect(
      request({
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'object' } },
        },
      }).format,
    ).toEqual({ type: 'object' });
    expect(request({ response_format: { type: 'text' } }).format).toBeUndefined();
  });
});

describe('OllamaTranslator', () => {
  const line = (l: OllamaLine): OllamaLine => l;

  it('turns streamed lines into text, then usage and finish on done', () => {
    const translator = new OllamaTranslator();
    const events: ChatEvent[] = [];
    expect(
      translator.push(
        line({ message: { role: 'assistant', content: 'Hel' }, done: false }),
        events,
      ),
    ).toBe(false);
    expect(
      translator.push(line({ message: { role: 'assistant', content: 'lo' }, done: false }), events),
    ).toBe(false);
    expect(
      translator.push(
        line({
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'length',
          prompt_eval_count: 12,
          eval_count: 2,
        }),
        events,
      ),
    ).toBe(true);
    expect(events).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'usage', usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('numbers whole tool calls across lines, makes up missing ids, and finishes with tool_calls', () => {
    const translator = new OllamaTranslator();
    const events: ChatEvent[] = [];
    translator.push(
      line({
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'a', arguments: { x: 1 } } }],
        },
        done: false,
      }),
      events,
    );
    translator.push(
      line({
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_given', function: { name: 'b', arguments: {} } }] as never,
        },
        done: false,
      }),
      events,
    );
    translator.push(line({ done: true, done_reason: 'stop' }), events);
    const calls = events.filter((e) => e.type === 'tool_call');
    expect(calls).toEqual([
      {
        type: 'tool_call',
        index: 0,
        id: expect.stringMatching(/^call_.{8,}/),
        name: 'a',
        arguments: '{"x":1}',
      },
      { type: 'tool_call', index: 1, id: 'call_given', name: 'b', arguments: '{}' },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    expect(events.at(-2)).toEqual({
      type: 'usage',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });
});
