import { describe, expect, it } from '@jest/globals';
import type { ChatMessage } from '../common/chat.types.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import { conversationIdOf } from './conversation-id.js';

const caller: CallerIdentity = { userId: 'u1' };
const opening: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello' },
];
const idOf = (messages: ChatMessage[], who: CallerIdentity = caller, ol = 'agent'): string =>
  conversationIdOf(messages, who, ol);

describe('conversationIdOf', () => {
  it('names a conversation by its opening, whatever came after it', () => {
    const id = idOf(opening);
    expect(
      idOf([...opening, { role: 'assistant', content: 'Hi' }, { role: 'user', content: 'More' }]),
    ).toBe(id);
    expect(idOf([{ role: 'user', content: 'Hello' }])).not.toBe(id);
    expect(idOf([opening[0], { role: 'user', content: 'Bye' }])).not.toBe(id);
    expect(id).toMatch(/^[\w-]{32}$/);
  });

  it('is per caller, end user and OL', () => {
    const ids = [
      idOf(opening),
      idOf(opening, { userId: 'u2' }),
      idOf(opening, { userId: 'u1', endUser: 'alice' }),
      idOf(opening, caller, 'other-ol'),
    ];
    expect(new Set(ids).size).toBe(4);
  });

  it('prefers the chat id a trusted front end forwarded: two chats that began alike differ', () => {
    const a = idOf(opening, { ...caller, conversationId: 'chat-a' });
    const b = idOf(opening, { ...caller, conversationId: 'chat-b' });
    expect(a).not.toBe(b);
    expect(a).not.toBe(idOf(opening));
  });
});
