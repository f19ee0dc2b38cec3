/**
 * The public API for orchestration-logic (OL) authors: the decorator, the contract an OL
 * implements, the context it runs with and the events it yields. Import from this file only.
 */
import { applyDecorators, Injectable, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { ChatEvent, ChatRequest } from '../common/chat.types.js';
import type { ConnectorProvider } from '../connectors/connector.js';
import type { TemplateRenderer } from '../templates/templates.service.js';
import type { ToolsetFactory } from '../toolsets/toolset.js';
import {
  defineConfigSection,
  type ConfigClass,
  type ConfigSection,
} from '../configuration/config-section.js';

export type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  ContentPart,
  FinishReason,
  FunctionTool,
  ToolCall,
  TokenLogprob,
  ToolChoice,
  Usage,
} from '../common/chat.types.js';

export interface OrchestrationLogicOptions {
  /** The `<ol-id>` of `urn:<namespace>:<ol-id>:…`: letters, digits, `_`, `-`. */
  id: string;
  /**
   * A class-validator DTO for the URN params. Values arrive as strings and are converted
   * to the declared property types; a key the DTO does not declare is refused. Without a
   * DTO, the OL takes no params.
   */
  params?: Type<object>;
  /** `owned_by` of its entries in `/v1/models`. */
  ownedBy?: string;
  /**
   * A folder of the OL's own nunjucks templates (an absolute path, e.g.
   * `fileURLToPath(new URL('./templates', import.meta.url))`), compiled at boot and searched
   * after the operator's `templates.dir`, whose files of the same name win.
   */
  templates?: string;
}

/** One entry of `/v1/models` for an OL: the URN with these params. */
export interface ModelVariant {
  params?: Record<string, string>;
}

/** Who is calling, as authenticated by the service (never taken from the request body). */
export interface CallerIdentity {
  /** The authenticated user (`anonymous` when auth is off). */
  userId: string;
  /** The API key's id, when a key was used. */
  keyId?: string;
  tier?: string;
  /** OpenAI's `user` field or a trusted front end's forwarded user: a sub-identity. */
  endUser?: string;
  /**
   * The forwarded end user's role in the front end (Open WebUI's `user`, `admin`, …): set only
   * with an `endUser` from a trusted front end. A hint for OL policies, never the key's rights.
   */
  endUserRole?: string;
  /** A conversation id forwarded by a trusted front end (e.g. Open WebUI's chat id). */
  conversationId?: string;
}

/**
 * What an OL keeps across the turns of one conversation: JSON values by key, in the storage
 * driver (shared by replicas on Redis), each living `conversations.ttlSeconds` after it was
 * last set.
 */
export interface ConversationState {
  /**
   * Which conversation: a trusted front end's forwarded chat id, else derived from how the
   * conversation began (its system messages and first user message); per caller, end user
   * and OL. A request with no assistant message begins it again from empty state.
   */
  readonly id: string;
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Keys: 1 to 128 letters, digits, `_`, `.`, `:` or `-`; values: JSON, `conversations.maxValueBytes` at most. */
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Counts tokens with a real BPE tokenizer (o200k_base), for honest usage numbers. */
export interface TokenCounter {
  count(text: string): number;
  /** Prompt tokens of a conversation, with the per-message overhead OpenAI's models add. */
  countMessages(messages: ChatRequest['messages']): number;
}

/** Everything an OL gets besides the request. */
export interface OrchestrationContext<P extends object = object> {
  /** The validated URN params (an instance of the OL's params DTO). */
  readonly params: P;
  /** The `model` as the client sent it. */
  readonly urn: string;
  readonly requestId: string;
  readonly caller: CallerIdentity;
  /** Aborted when the client disconnects or the server shuts down: stop work promptly. */
  readonly signal: AbortSignal;
  readonly tokens: TokenCounter;
  /** The configured LLM backends, by name (`ctx.connectors.get('openai').chat(request, { signal })`). */
  readonly connectors: ConnectorProvider;
  /**
   * Whether the client asked for a stream. An OL may pass it on to its connector
   * (`stream: ctx.stream`) so an unstreamed request is one unstreamed upstream call.
   */
  readonly stream: boolean;
  /**
   * Composes the tools offered to each LLM call (`ctx.tools.select(['files', 'calculator'])
   * .without('http_get')`) and runs the calls the model makes; see the README.
   */
  readonly tools: ToolsetFactory;
  /** Prompt templates (`config/templates/*.njk` and OL-registered folders). */
  readonly templates: TemplateRenderer;
  /** State kept across this conversation's turns (`await ctx.conversation.get('step')`). */
  readonly conversation: ConversationState;
}

/**
 * What an OL implements. `run` yields events; the service turns the same stream into SSE
 * chunks or one JSON response, so an OL never formats HTTP. Usage events are summed.
 */
export interface OrchestrationLogicHandler<P extends object = object> {
  run(request: ChatRequest, ctx: OrchestrationContext<P>): AsyncIterable<ChatEvent>;
  /** The URNs to list in `/v1/models`; by default one, without params. */
  models?(catalog: ModelCatalogContext): ModelVariant[];
}

/** What an OL may consult to list its models (e.g. one URN per configured connector). */
export interface ModelCatalogContext {
  readonly connectors: ConnectorProvider;
}

export const LogicMetadata = DiscoveryService.createDecorator<OrchestrationLogicOptions>();

/**
 * Marks a provider as an orchestration logic, found at boot in any module the app imports.
 * Only class providers are found (not `useFactory`/`useValue`), and they must be singletons.
 */
export function OrchestrationLogic(
  idOrOptions: string | OrchestrationLogicOptions,
): ClassDecorator {
  const options = typeof idOrOptions === 'string' ? { id: idOrOptions } : idOrOptions;
  return applyDecorators(Injectable(), LogicMetadata(options));
}

/**
 * Declares an OL's own configuration, validated at boot under `ols.<id>` like every other
 * section (unknown keys and bad values stop the boot). Call it at module scope, add
 * `section.provider()` to the OL's module and inject the instance with `@Inject(section.KEY)`.
 */
export function defineLogicConfig<T extends object>(
  id: string,
  schema: ConfigClass<T>,
): ConfigSection<T> {
  return defineConfigSection(`ols.${id}`, schema);
}

export { OrchestrationError, OrchestrationErrorCode } from './orchestration.error.js';
export type {
  Connector,
  ConnectorCallOptions,
  ConnectorProvider,
} from '../connectors/connector.js';
export { ConnectorError, ConnectorErrorCode } from '../connectors/connector.error.js';
export type { TemplateRenderer } from '../templates/templates.service.js';
export type { Toolset, ToolsetFactory } from '../toolsets/toolset.js';
export type { Workspace } from '../tools/workspace.js';
/** For OLs that read a connector's stream themselves (as the agent does): assembles tool calls. */
export { addToolCallFragment } from '../common/tool-call-fragments.js';
