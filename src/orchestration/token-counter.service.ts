import { Injectable } from '@nestjs/common';
import type { ChatRequest } from '../common/chat.types.js';
import { countO200k, O200kCounter } from '../common/o200k.js';
import type { TokenCounter } from './orchestration-logic.js';

/** OpenAI's accounting: each message costs 3 tokens of framing, each reply 3 of priming. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

@Injectable()
export class TokenCounterService implements TokenCounter {
  count(text: string): number {
    if (!text) return 0;
    return countO200k(text);
  }

  /** One counter for all the messages: the exact part is bounded per conversation, not per text. */
  countMessages(messages: ChatRequest['messages']): number {
    const counter = new O200kCounter();
    const count = (text: string): number => (text ? counter.count(text) : 0);
    let total = REPLY_PRIMING;
    for (const message of messages) {
      total += PER_MESSAGE + count(message.role);
      if (typeof message.content === 'string') total += count(message.content);
      else if (message.content)
        for (const part of message.content) if (part.type === 'text') total += count(part.text);
      if (message.name) total += 1 + count(message.name);
      for (const call of message.tool_calls ?? [])
        total += count(call.function.name) + count(call.function.arguments);
    }
    return total;
  }
}
