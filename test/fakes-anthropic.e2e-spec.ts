import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Anthropic, { APIError, RateLimitError } from '@anthropic-ai/sdk';
import { startAnthropicFake, type AnthropicFake } from './fakes/anthropic-fake.js';

/** The fake Anthropic upstream, checked with the official SDK (its stream helper rebuilds messages from the events). */
describe('fake Anthropic upstream', () => {
  let fake: AnthropicFake;
  let client: Anthropic;

  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: 'sk-ant-fake-key', models: ['claude-a'] });
    client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-fake-key', maxRetries: 0 });
  });
  afterAll(() => fake.close());

  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hi' }];

  it('answers unstreamed with a Message and the scripted usage', async () => {
    fake.script({ text: 'Hello there', usage: { input: 9, output: 4 } });
    const message = await client.messages.create({ model: 'claude-a', max_tokens: 100, messages });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there', citations: null }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
    expect(fake.lastChat().headers.authorization).toBe('Bearer sk-ant-fake-key');
    expect(fake.lastChat().headers['anthropic-version']).toBeTruthy();
  });

  it('streams the event sequence the SDK rebuilds into text and tool_use blocks', async () => {
    fake.script({
      text: 'Checking.',
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' }, id: 'toolu_w' },
        { name: 'get_time', arguments: {} },
      ],
      usage: { input: 20, output: 30 },
    });
    const stream = client.messages.stream({ model: 'claude-a', max_tokens: 100, messages });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(
      final.content.map((b) =>
        b.type === 'tool_use' ? [b.id, b.name, b.input] : b.type === 'text' ? b.text : b.type,
      ),
    ).toEqual([
      'Checking.',
      ['toolu_w', 'get_weather', { city: 'Paris' }],
      [expect.stringMatching(/^toolu_/), 'get_time', {}],
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 30 });
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(types).toContain('content_block_delta');
  });

  it('streams a signed thinking block the SDK rebuilds, and refuses the tool turn sent back without it', async () => {
    fake.script({
      thinking: 'Weather first.',
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, id: 'toolu_th' }],
    });
    const final = await client.messages
      .stream({ model: 'claude-a', max_tokens: 100, messages })
      .finalMessage();
    const [thinking, tool] = final.content;
    expect(thinking).toEqual({
      type: 'thinking',
      thinking: 'Weather first.',
      signature: expect.stringMatching(/.+/),
    });
    const result: Anthropic.MessageParam = {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_th', content: 'Sunny' }],
    };
    const send = (content: Anthropic.ContentBlockParam[]) =>
      client.messages.create({
        model: 'claude-a',
        max_tokens: 100,
        messages: [...messages, { role: 'assistant', content }, result],
      });
    await expect(send([tool as Anthropic.ToolUseBlockParam])).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('must start with a thinking block'),
    });
    await expect(
      send([{ ...(thinking as Anthropic.ThinkingBlock), thinking: 'Edited.' }, tool as never]),
    ).rejects.toMatchObject({ status: 400 });
    fake.script({ text: 'Sunny.' });
    const answer = await send(final.content as Anthropic.ContentBlockParam[]);
    expect(answer.content).toEqual([{ type: 'text', text: 'Sunny.', citations: null }]);
  });

  it('maps finish "length" to stop_reason max_tokens', async () => {
    fake.script({ text: 'cut', finish: 'length' });
    const message = await client.messages.create({ model: 'claude-a', max_tokens: 1, messages });
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('refuses what the real API refuses: same-role turns, unanswered tool_use, missing max_tokens', async () => {
    const twoUsers = await client.messages
      .create({
        model: 'claude-a',
        max_tokens: 10,
        messages: [messages[0], { role: 'user', content: 'again' }],
      })
      .catch((e: unknown) => e);
    expect(twoUsers).toBeInstanceOf(Anthropic.BadRequestError);

    const unanswered = await client.messages
      .create({
        model: 'claude-a',
        max_tokens: 10,
        messages: [
          messages[0],
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }],
          },
          { role: 'user', content: 'no result' },
        ],
      })
      .catch((e: unknown) => e);
    expect((unanswered as Error).message).toContain(
      'tool_use ids were found without tool_result blocks',
    );

    const noLimit = await client.messages
      .create({
        model: 'claude-a',
        messages,
      } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(noLimit).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('answers scripted errors with Anthropic error bodies', async () => {
    fake.script(
      { error: { status: 429, headers: { 'retry-after': '3' } } },
      { error: { status: 529 } },
    );
    const limited = await client.messages
      .create({ model: 'claude-a', max_tokens: 10, messages })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as RateLimitError).headers?.get('retry-after')).toBe('3');
    const overloaded = await client.messages
      .create({ model: 'claude-a', max_tokens: 10, messages })
      .catch((e: unknown) => e);
    expect((overloaded as APIError).status).toBe(529);
    expect((overloaded as APIError).type).toBe('overloaded_error');
  });

  it('sends an `event: error` mid-stream when scripted', async () => {
    fake.script({ text: 'abcdefgh', chunkSize: 2, streamError: { after: 4 } });
    const stream = await client.messages.create({
      model: 'claude-a',
      max_tokens: 10,
      messages,
      stream: true,
    });
    const error = await (async () => {
      for await (const event of stream) void event;
    })().catch((e: unknown) => e);
    expect((error as APIError).type).toBe('overloaded_error');
  });

  it('refuses a wrong key', async () => {
    const wrong = new Anthropic({ baseURL: fake.url, apiKey: 'nope', maxRetries: 0 });
    const error = await wrong.messages
      .create({ model: 'claude-a', max_tokens: 10, messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('lists its models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['claude-a']);
  });
});
