import { setTimeout as sleep } from 'node:timers/promises';
import { Inject } from '@nestjs/common';
import {
  OrchestrationError,
  OrchestrationErrorCode,
  OrchestrationLogic,
  type ChatEvent,
  type ChatMessage,
  type ChatRequest,
  type OrchestrationContext,
  type OrchestrationLogicHandler,
} from '../orchestration-logic.js';
import { echoConfig, type EchoConfig } from './echo.config.js';
import { EchoParams } from './echo.params.js';

/**
 * Replies with the last user message, streamed in chunks: the embedded default that works
 * with no keys and no servers, and a live check of the whole request path.
 */
@OrchestrationLogic({ id: 'echo', params: EchoParams })
export class EchoLogic implements OrchestrationLogicHandler<EchoParams> {
  constructor(@Inject(echoConfig.KEY) private readonly config: EchoConfig) {}

  async *run(
    request: ChatRequest,
    ctx: OrchestrationContext<EchoParams>,
  ): AsyncIterable<ChatEvent> {
    const { prefix = this.config.defaultPrefix, chunk, delay_ms } = ctx.params;
    if (delay_ms > this.config.maxDelayMs) {
      throw new OrchestrationError(
        OrchestrationErrorCode.INVALID_REQUEST,
        `Invalid model URN parameter 'delay_ms' for 'echo': at most ${this.config.maxDelayMs} on this server`,
        'model',
      );
    }
    const reply = prefix + lastUserText(request.messages);
    const chars = Array.from(reply);
    for (let i = 0; i < chars.length; i += chunk) {
      if (i > 0 && delay_ms) await sleep(delay_ms, undefined, { signal: ctx.signal });
      ctx.signal.throwIfAborted();
      yield { type: 'text', text: chars.slice(i, i + chunk).join('') };
    }
    const prompt = ctx.tokens.countMessages(request.messages);
    const completion = ctx.tokens.count(reply);
    yield {
      type: 'usage',
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
      },
    };
    yield { type: 'finish', reason: 'stop' };
  }
}

function lastUserText(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { role, content } = messages[i];
    if (role !== 'user') continue;
    if (typeof content === 'string') return content;
    return (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
  }
  return '';
}
