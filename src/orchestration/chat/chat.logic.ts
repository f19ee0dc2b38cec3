import {
  OrchestrationLogic,
  type ChatEvent,
  type ChatRequest,
  type ModelCatalogContext,
  type ModelVariant,
  type OrchestrationContext,
  type OrchestrationLogicHandler,
} from '../orchestration-logic.js';
import { ChatParams } from './chat.params.js';

/**
 * Passes the conversation to one configured connector and its answer back untouched. Tools
 * the client offers go upstream and the model's tool calls come back for the client to run.
 */
@OrchestrationLogic({ id: 'chat', params: ChatParams })
export class ChatLogic implements OrchestrationLogicHandler<ChatParams> {
  /**
   * Returns the connector's own event stream: no generator of its own in between, so no
   * extra hop per event on this hot path. An unknown connector throws here, before any
   * byte is written: the client gets a plain 400.
   */
  run(request: ChatRequest, ctx: OrchestrationContext<ChatParams>): AsyncIterable<ChatEvent> {
    const connector = ctx.connectors.get(ctx.params.connector);
    return connector.chat(request, {
      signal: ctx.signal,
      model: ctx.params.model,
      stream: ctx.stream,
    });
  }

  /** One URN per configured connector (its default model). */
  models({ connectors }: ModelCatalogContext): ModelVariant[] {
    return connectors.names().map((connector) => ({ params: { connector } }));
  }
}
