import { describe, expect, it } from '@jest/globals';
import type { ChatMessage } from '../common/chat.types.js';
import { conversationIdOf, conversationOwnerOf } from './conversation-id.js';

const caller = { userId: 'u1' };
const opening: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello' },
];

describe('conversationIdOf', () => {
  it('names a conversation by its opening, whatever came after it', () => {
    const id = conversationIdOf(opening, caller);
    expect(
      conversationIdOf(
        [...opening, { role: 'assistant', content: 'Hi' }, { role: 'user', content: 'More' }],
        caller,
      ),
    ).toBe(id);
    expect(conversationIdOf([{ role: 'user', content: 'Hello' }], caller)).not.toBe(id);
    expect(conversationIdOf([opening[0], { role: 'user', content: 'Bye' }], caller)).not.toBe(id);
  });

  it('prefers the chat id a trusted front end forwarded: two chats that began alike differ', () => {
    const a = conversationIdOf(opening, { ...caller, conversationId: 'chat-a' });
    const b = conversationIdOf(opening, { ...caller, conversationId: 'chat-b' });
    expect(a).not.toBe(b);
    expect(a).not.toBe(conversationIdOf(opening, caller));
    expect(a).toMatch(/^[\w-]{32}$/);
  });
});

describe('conversationOwnerOf', () => {
  it('tells callers and the end users they speak for apart', () => {
    const owners = [
      conversationOwnerOf({ userId: 'u1' }),
      conversationOwnerOf({ userId: 'u2' }),
      conversationOwnerOf({ userId: 'u1', endUser: 'alice' }),
      conversationOwnerOf({ userId: 'u1', endUser: 'bob' }),
    ];
    expect(new Set(owners).size).toBe(4);
  });
});
