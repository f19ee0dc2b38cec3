import type { ChatEvent, ChatRequest } from '../common/chat.types.js';

export type ProviderKind = 'openai' | 'anthropic' | 'ollama';

export interface ConnectorCallOptions {
  /** Aborted when the client disconnects: the upstream request must close promptly. */
  signal: AbortSignal;
  /** The upstream model; the connector's `defaultModel` when absent. */
  model?: string;
  /**
   * `false` asks the upstream for one complete answer (its events then arrive together at
   * the end); default `true`, an upstream stream forwarded as it arrives.
   */
  stream?: boolean;
}

/**
 * One configured LLM backend. `chat` translates the neutral (OpenAI-shaped) request to the
 * provider's wire format and its answer back into `ChatEvent`s, streaming as it arrives.
 * Failures are thrown as `ConnectorError`s, before the first event when possible.
 */
export interface Connector {
  readonly name: string;
  readonly provider: ProviderKind;
  readonly defaultModel?: string;
  chat(request: ChatRequest, options: ConnectorCallOptions): AsyncIterable<ChatEvent>;
  /** The model ids the upstream offers (OpenAI `/models`, Anthropic `/v1/models`, Ollama `/api/tags`). */
  listModels(options: { signal: AbortSignal }): Promise<string[]>;
}

/** What an OL sees: the configured connectors, by name. */
export interface ConnectorProvider {
  /** Throws a ConnectorError (400 to the client) when no connector has this name. */
  get(name: string): Connector;
  names(): string[];
}
