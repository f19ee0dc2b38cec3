import { Injectable } from '@nestjs/common';
import type { ChatEvent, ChatRequest } from '../common/chat.types.js';
import { ConnectorRegistry } from '../connectors/connector-registry.js';
import type { RequestLogFields } from '../logging/request-log.js';
import { ConversationStore } from '../session/conversation-store.js';
import { TemplatesService } from '../templates/templates.service.js';
import { ToolsetsService } from '../toolsets/toolsets.service.js';
import type { RegisteredLogic } from './logic-registry.js';
import type {
  CallerIdentity,
  ConversationState,
  ModelCatalogContext,
  OrchestrationContext,
  ToolsetFactory,
} from './orchestration-logic.js';
import { TokenCounterService } from './token-counter.service.js';

/** What the protocol layer knows about one call. */
export interface LogicCall {
  logic: RegisteredLogic;
  params: object;
  urn: string;
  requestId: string;
  caller: CallerIdentity;
  signal: AbortSignal;
  /** Adds fields to the request's log line (e.g. the connector an OL picked). */
  annotate: (fields: RequestLogFields) => void;
  /** Whether the client asked for a stream (default true). */
  stream?: boolean;
}

/** Builds an OL's context and starts it. */
@Injectable()
export class OrchestrationService {
  constructor(
    private readonly tokens: TokenCounterService,
    private readonly toolsets: ToolsetsService,
    private readonly templates: TemplatesService,
    private readonly connectors: ConnectorRegistry,
    private readonly conversations: ConversationStore,
  ) {}

  run(request: ChatRequest, call: LogicCall): AsyncIterable<ChatEvent> {
    const { toolsets, conversations } = this;
    let tools: ToolsetFactory | undefined;
    let conversation: ConversationState | undefined;
    const ctx: OrchestrationContext = {
      params: call.params,
      urn: call.urn,
      requestId: call.requestId,
      caller: call.caller,
      signal: call.signal,
      tokens: this.tokens,
      // Built on first use: most OLs (chat, echo) never touch tools.
      get tools() {
        return (tools ??= toolsets.forCall({ signal: call.signal, caller: call.caller }));
      },
      templates: this.templates,
      // Built on first use too: naming the conversation hashes its opening messages.
      get conversation() {
        return (conversation ??= conversations.open(
          request.messages,
          call.caller,
          call.logic.options.id,
        ));
      },
      connectors: {
        // The request's log line names the connector(s) the OL used.
        get: (name) => {
          call.annotate({ connector: name });
          return this.connectors.get(name);
        },
        names: () => this.connectors.names(),
      },
      stream: call.stream ?? true,
    };
    return call.logic.handler.run(request, ctx);
  }

  /** What `models()` may consult: the configured connectors. */
  readonly catalog: ModelCatalogContext = { connectors: this.connectors };
}
