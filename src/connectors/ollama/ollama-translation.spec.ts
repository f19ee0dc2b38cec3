import { describe, expect, it } from '@jest/globals';
import type { ChatEvent, ChatRequest } from '../../common/chat.types.js';
import { ConnectorError, ConnectorErrorCode } from '../connector.error.js';
import { ConnectorDefaults, type ConnectorConfig } from '../connectors.config.js';
import { OllamaTranslator, toOllamaRequest, type OllamaLine } from './ollama-translation.js';

type Config = Pick<ConnectorConfig, 'defaults' | 'ollama'>;

const request = (r: Partial<ChatRequest>, config: Config = { defaults: new ConnectorDefaults() }) =>
  toOllamaRequest(
    { messages: [{ role: 'user', content: 'hi' }], ...r },
    'llama3.1:8b',
    config,
    true,
  );

const refuse = (r: Partial<ChatRequest>): ConnectorError => {
  try {
    request(r);
  } catch (error) {
    if (error instanceof ConnectorError) return error;
  }
  throw new Error('expected a ConnectorError');
};

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

  it('sends tool calls with their ids and object arguments; a result names its call and tool', () => {
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
        tool_calls: [{ id: 'call_9', function: { name: 'weather', arguments: { city: 'Oslo' } } }],
      },
      { role: 'tool', content: 'rain', tool_call_id: 'call_9', tool_name: 'weather' },
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
  });

  it("offers the tools for tool_choice 'required', which Ollama cannot enforce, as for a named one", () => {
    expect(request({ tools: [TOOL], tool_choice: 'required' }).tools).toEqual([TOOL]);
    expect(request({ tools: [TOOL], parallel_tool_calls: false }).tools).toEqual([TOOL]);
  });

  it('puts sampling and limits in options, with the config defaults underneath', () => {
    const defaults = Object.assign(new ConnectorDefaults(), { max_tokens: 100, temperature: 0.7 });
    expect(
      request(
        { top_p: 0.9, stop: 'END', seed: 1, presence_penalty: 0.1, frequency_penalty: 0.2 },
        { defaults },
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
    expect(request({ max_completion_tokens: 5, temperature: 0 }, { defaults }).options).toEqual({
      temperature: 0,
      num_predict: 5,
    });
    expect(request({}).options).toBeUndefined();
  });

  it('sends the configured model options and keep_alive, the defaults and the request over them', () => {
    const config: Config = {
      defaults: Object.assign(new ConnectorDefaults(), { temperature: 0.5 }),
      ollama: {
        options: { num_ctx: 32768, top_k: 20, temperature: 0.1, top_p: 0.5, stop: ['<eot>'] },
        keepAlive: -1,
      },
    };
    const body = request({ top_p: 0.95, stop: ['END'] }, config);
    expect(body.options).toEqual({
      num_ctx: 32768,
      top_k: 20,
      temperature: 0.5,
      top_p: 0.95,
      stop: ['END'],
    });
    expect(body.keep_alive).toBe(-1);
    expect(request({}, config).options).toEqual({
      num_ctx: 32768,
      top_k: 20,
      temperature: 0.5,
      top_p: 0.5,
      stop: ['<eot>'],
    });
    expect(config.ollama?.options).toMatchObject({ temperature: 0.1 });
    expect(request({}).keep_alive).toBeUndefined();
  });

  it.each([
    ['none', false, false],
    ['minimal', true, 'low'],
    ['low', true, 'low'],
    ['medium', true, 'medium'],
    ['high', true, 'high'],
    ['xhigh', true, 'high'],
    ['constructor', undefined, undefined],
    [undefined, undefined, undefined],
  ])(
    'maps reasoning_effort %p to think %p, or to the level %p for gpt-oss',
    (effort, think, level) => {
      const chat = {
        messages: [{ role: 'user' as const, content: 'hi' }],
        reasoning_effort: effort,
      };
      const config = { defaults: new ConnectorDefaults() };
      expect(toOllamaRequest(chat, 'llama3.1:8b', config, false).think).toBe(think);
      expect(toOllamaRequest(chat, 'gpt-oss:20b', config, false).think).toBe(level);
    },
  );

  it('asks for log probabilities only when the request does', () => {
    expect(request({ logprobs: true, top_logprobs: 3 })).toMatchObject({
      logprobs: true,
      top_logprobs: 3,
    });
    expect(request({ logprobs: true })).not.toHaveProperty('top_logprobs');
    const none = request({ logprobs: false });
    expect(none).not.toHaveProperty('logprobs');
    expect(none).not.toHaveProperty('top_logprobs');
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

  it("numbers whole tool calls across lines, passes Ollama's ids on, makes up missing ones (older Ollama)", () => {
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

  it('gives the scores of text Ollama held back to that text when it comes', () => {
    const translator = new OllamaTranslator();
    const events: ChatEvent[] = [];
    const scored = (t: string) => ({ token: t, logprob: -0.5 });
    translator.push(
      line({ message: { role: 'assistant', content: '' }, logprobs: [scored('Hel')], done: false }),
      events,
    );
    expect(events).toEqual([]);
    translator.push(
      line({
        message: { role: 'assistant', content: 'Hello' },
        logprobs: [scored('lo')],
        done: false,
      }),
      events,
    );
    expect(events).toEqual([
      {
        type: 'text',
        text: 'Hello',
        logprobs: ['Hel', 'lo'].map((t) => ({ ...scored(t), bytes: null, top_logprobs: [] })),
      },
    ]);
  });

  it('drops thinking: a line of thinking alone makes no event, and no log probabilities of it reach the text', () => {
    const translator = new OllamaTranslator();
    const events: ChatEvent[] = [];
    const token = (t: string, logprob: number) => ({ token: t, logprob });
    translator.push(
      line({
        message: { role: 'assistant', content: '', thinking: 'Let me see.' },
        logprobs: [token('Let', -0.5)],
        done: false,
      }),
      events,
    );
    expect(events).toEqual([]);
    translator.push(
      line({
        message: { role: 'assistant', content: 'Yes' },
        logprobs: [
          {
            token: 'Yes',
            logprob: -0.1,
            bytes: [89, 101, 115],
            top_logprobs: [
              { token: 'Yes', logprob: -0.1, bytes: [89, 101, 115] },
              token('No', -2.4),
            ],
          } as never,
        ],
        done: false,
      }),
      events,
    );
    translator.push(line({ message: { role: 'assistant', content: '.' }, done: false }), events);
    // Thinking and text in one line (an unstreamed answer): its tokens score both, not the text.
    translator.push(
      line({
        message: { role: 'assistant', content: 'Ok', thinking: 'Hm.' },
        logprobs: [token('Hm.', -1), token('Ok', -0.2)],
        done: false,
      }),
      events,
    );
    expect(events).toEqual([
      {
        type: 'text',
        text: 'Yes',
        logprobs: [
          {
            token: 'Yes',
            logprob: -0.1,
            bytes: [89, 101, 115],
            top_logprobs: [
              { token: 'Yes', logprob: -0.1, bytes: [89, 101, 115] },
              { token: 'No', logprob: -2.4, bytes: null },
            ],
          },
        ],
      },
      { type: 'text', text: '.' },
      { type: 'text', text: 'Ok' },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/Let|Hm/);
  });

  it('finishes a load-only answer (done_reason load, no eval counts) as stop with zero usage', () => {
    const events: ChatEvent[] = [];
    expect(
      new OllamaTranslator().push(
        line({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'load' }),
        events,
      ),
    ).toBe(true);
    expect(events).toEqual([
      { type: 'usage', usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });
});
