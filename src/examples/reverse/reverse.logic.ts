import {
  OrchestrationLogic,
  type ChatEvent,
  type ChatRequest,
  type ModelVariant,
  type OrchestrationContext,
  type OrchestrationLogicHandler,
} from '../../orchestration/orchestration-logic.js';
import { ReverseParams } from './reverse.params.js';

/**
 * An example of extension: an OL in its own module. Adding the module to the app's imports
 * is all it takes for `urn:mvp:reverse` to appear in `/v1/models`.
 */
@OrchestrationLogic({ id: 'reverse', params: ReverseParams, ownedBy: 'examples' })
export class ReverseLogic implements OrchestrationLogicHandler<ReverseParams> {
  models(): ModelVariant[] {
    return [{}, { params: { by: 'words' } }];
  }

  async *run(
    request: ChatRequest,
    ctx: OrchestrationContext<ReverseParams>,
  ): AsyncIterable<ChatEvent> {
    const last = request.messages.findLast((m) => m.role === 'user');
    const text = typeof last?.content === 'string' ? last.content : '';
    const reply =
      ctx.params.by === 'words'
        ? text.split(/\s+/).reverse().join(' ')
        : Array.from(text).reverse().join('');
    yield { type: 'text', text: reply };
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
  }
}
