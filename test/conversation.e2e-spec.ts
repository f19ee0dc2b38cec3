import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import type OpenAI from 'openai';
import {
  OrchestrationLogic,
  type ChatEvent,
  type ChatRequest,
  type OrchestrationContext,
  type OrchestrationLogicHandler,
} from '../src/orchestration/orchestration-logic.js';
import { startApp, type TestApp } from './support/test-app.js';

/** Counts the turns of each conversation in `ctx.conversation`, and says the count. */
@OrchestrationLogic('turns')
class TurnsLogic implements OrchestrationLogicHandler {
  async *run(request: ChatRequest, ctx: OrchestrationContext): AsyncIterable<ChatEvent> {
    const last = request.messages.at(-1)?.content;
    if (last === 'big') {
      await ctx.conversation.set('blob', 'x'.repeat(2_000));
    } else if (last === 'forget') {
      await ctx.conversation.delete('turns');
    }
    const turns = ((await ctx.conversation.get<number>('turns')) ?? 0) + 1;
    await ctx.conversation.set('turns', turns);
    yield { type: 'text', text: `turn ${turns} of ${ctx.conversation.id}` };
  }
}

@Module({ providers: [TurnsLogic] })
class TurnsModule {}

describe('conversation state (ctx.conversation)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      imports: [TurnsModule],
      config: { conversations: { maxValueBytes: 1_000 } },
    });
  });
  afterAll(() => t?.close());

  const say = async (
    messages: OpenAI.ChatCompletionMessageParam[],
    user?: string,
  ): Promise<string> => {
    const completion = await t.client.chat.completions.create({
      model: 'urn:mvp:turns',
      messages,
      ...(user ? { user } : {}),
    });
    return completion.choices[0].message.content!;
  };

  it('keeps state across the turns of one conversation, apart from other conversations', async () => {
    const opening: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You count.' },
      { role: 'user', content: 'first question' },
    ];
    const first = await say(opening);
    expect(first).toMatch(/^turn 1 of /);
    const id = first.slice('turn 1 of '.length);
    // The client sends the whole history again, as OpenAI clients do.
    const history = [...opening, { role: 'assistant' as const, content: first }];
    expect(await say([...history, { role: 'user', content: 'second' }])).toBe(`turn 2 of ${id}`);
    expect(
      await say([
        ...history,
        { role: 'user', content: 'second' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'third' },
      ]),
    ).toBe(`turn 3 of ${id}`);

    // Another opening is another conversation; so is the same one for another end user.
    expect(await say([{ role: 'user', content: 'first question' }])).toMatch(/^turn 1 of /);
    expect(await say(opening, 'alice')).toMatch(/^turn 1 of /);
    expect(await say([...history, { role: 'user', content: 'again' }], 'alice')).toMatch(
      /^turn 2 of /,
    );
    expect(await say([...history, { role: 'user', content: 'forget' }])).toBe(`turn 1 of ${id}`);
    // A new chat that begins with the same words begins from empty state.
    expect(await say([...history, { role: 'user', content: 'second' }])).toBe(`turn 2 of ${id}`);
    expect(await say(opening)).toBe(`turn 1 of ${id}`);
    expect(await say([...history, { role: 'user', content: 'second' }])).toBe(`turn 2 of ${id}`);
  });

  it('refuses a value over conversations.maxValueBytes (the OL fails, the server answers 500)', async () => {
    await expect(
      say([
        { role: 'user', content: 'another conversation' },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'big' },
      ]),
    ).rejects.toMatchObject({ status: 500 });
    expect(t.logs.text()).toContain('over conversations.maxValueBytes (1000)');
  });
});
