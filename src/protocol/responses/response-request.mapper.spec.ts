import { describe, expect, it } from '@jest/globals';
import type { CreateResponseDto } from './dto/create-response.dto.js';
import { toChatRequest } from './response-request.mapper.js';

describe('toChatRequest', () => {
  it('maps a long stored chain (200k prior items) without overflowing the stack', () => {
    const prior = Array.from({ length: 200_000 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `turn ${i}`,
    }));
    const body = { model: 'm', input: 'last', instructions: 'Rules.' } as CreateResponseDto;
    const { messages } = toChatRequest(body, prior);
    expect(messages).toHaveLength(200_002);
    expect(messages[0]).toEqual({ role: 'system', content: 'Rules.' });
    expect(messages[1]).toEqual({ role: 'user', content: 'turn 0' });
    expect(messages.at(-2)).toEqual({ role: 'assistant', content: 'turn 199999' });
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'last' });
  });
});
