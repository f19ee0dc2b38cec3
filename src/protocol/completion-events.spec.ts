import { describe, expect, it } from '@jest/globals';
import type { ChatEvent, TokenLogprob } from '../common/chat.types.js';
import { collectEvents } from './completion-events.js';

const scored = (token: string): TokenLogprob => ({
  token,
  logprob: -0.5,
  bytes: [...Buffer.from(token)],
  top_logprobs: [],
});

async function* from(events: ChatEvent[]): AsyncIterable<ChatEvent> {
  yield* events;
}

describe('collectEvents', () => {
  it('gathers the tokens of an answer all of whose text has logprobs', async () => {
    const result = await collectEvents(
      from([
        { type: 'text', text: 'Hi', logprobs: [scored('Hi')] },
        { type: 'text', text: ' there', logprobs: [scored(' there')] },
      ]),
      () => undefined,
    );
    expect(result.content).toBe('Hi there');
    expect(result.logprobs?.map((t) => t.token)).toEqual(['Hi', ' there']);
  });

  it('gives no logprobs when some of the text has none (an OL added words of its own)', async () => {
    const result = await collectEvents(
      from([
        { type: 'text', text: 'Let me compute.', logprobs: [scored('Let me compute.')] },
        { type: 'text', text: '\n\n_Stopped after 1 step._' },
      ]),
      () => undefined,
    );
    expect(result.content).toBe('Let me compute.\n\n_Stopped after 1 step._');
    expect(result.logprobs).toBeUndefined();
  });
});
