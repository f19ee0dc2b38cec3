import { createHash } from 'node:crypto';
import type { ChatMessage } from '../common/chat.types.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';

/**
 * Which conversation a request continues. OpenAI's API is stateless: clients send the whole
 * history every turn, so a conversation is known by how it began — its system and developer
 * messages and its first user message — unless a trusted front end forwards its own id
 * (Open WebUI's chat id), which also tells apart two chats that began alike.
 */
export function conversationIdOf(messages: ChatMessage[], caller: CallerIdentity): string {
  if (caller.conversationId) return digest(`chat:${caller.conversationId}`);
  const opening: ChatMessage[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') opening.push(message);
    else if (message.role === 'user') {
      opening.push({ role: 'user', content: message.content });
      break;
    }
  }
  return digest(`opening:${JSON.stringify(opening)}`);
}

/** Whose conversations: the caller, and the end user it speaks for (OpenAI's `user`). */
export function conversationOwnerOf(caller: CallerIdentity): string {
  return digest(JSON.stringify([caller.userId, caller.endUser ?? null]));
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
