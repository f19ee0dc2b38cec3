import { Injectable } from '@nestjs/common';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import type { ChatRequest } from '../common/chat.types.js';
import type { TokenCounter } from './orchestration-logic.js';

/** OpenAI's accounting: each message costs 3 tokens of framing, each reply 3 of priming. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

@Injectable()
export class TokenCounterService implements TokenCounter {
  private encoder?: Tiktoken;

  count(text: string): number {
    if (!text) return 0;
    this.encoder ??= new Tiktoken(o200k);
    return this.encoder.encode(text, 'all').length;
  }

  countMessages(messages: ChatRequest['messages']): number {
    let total = REPLY_PRIMING;
    for (const message of messages) {
      total += PER_MESSAGE + this.count(message.role);
      if (typeof message.content === 'string') total += this.count(message.content);
      else if (message.content)
        for (const part of message.content) if (part.type === 'text') total += this.count(part.text);
      if (message.name) total += 1 + this.count(message.name);
      for (const call of message.tool_calls ?? [])
        total += this.count(call.function.name) + this.count(call.function.arguments);
    }
    return total;
  }
}
