import { Injectable } from '@nestjs/common';
import type { ChatRequest } from '../common/chat.types.js';
import { countO200k } from '../common/o200k.js';
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

  countMessages(messages: ChatRequest['messages']): number {
    let total = REPLY_PRIMING;
    for (const message of messages) {
      total += PER_MESSAGE + this.count(message.role);
      if (typeof message.content === 'string') total += this.count(message.content);
      else if (message.content)
        for (const part of message.content)
          if (part.type === 'text') total += this.count(part.text);
      if (message.name) total += 1 + this.count(message.name);
      for (const call of message.tool_calls ?? [])
        total += this.count(call.function.name) + this.count(call.function.arguments);
    }
    return total;
  }
}
