import { createHash } from 'node:crypto';
import type { ChatMessage } from '../common/chat.types.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';

/**
 * Which conversation a request continues. OpenAI's API is stateless: clients send the whole
 * history every turn, so a conversation is known by how it began — its system and developer
 * messages and its first user message — unless a trusted front end forwards its own id
 * (Open WebUI's chat id), which also tells apart two chats that began alike.
 */
export function conversationIdOf(
  messages: ChatMessage[],
  caller: CallerIdentity,
  logicId: string,
): string {
  // Per caller, end user and OL: two users, or two OLs of one chat, never share state.
  const scope = JSON.stringify([caller.userId, caller.endUser ?? null, logicId]);
  if (caller.conversationId) return digest(`${scope}chat:${caller.conversationId}`);
  const opening: ChatMessage[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') opening.push(message);
    else if (message.role === 'user') {
      opening.push({ role: 'user', content: message.content });
      break;
    }
  }
  return digest(`${scope}opening:${JSON.stringify(opening)}`);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
