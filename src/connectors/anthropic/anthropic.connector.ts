import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import type { LoggerService } from '@nestjs/common';
import type { ChatEvent, ChatRequest } from '../../common/chat.types.js';
import type { Connector, ConnectorCallOptions } from '../connector.js';
import { DEFAULT_BASE_URL, type ConnectorConfig } from '../connectors.config.js';
import { parseJson, requireModel, sdkLogger } from '../connector-support.js';
import { SseDecoder } from '../sse-decoder.js';
import { readJson, streamEvents } from '../upstream-body.js';
import { retryAfterOf, UpstreamErrors } from '../upstream-errors.js';
import type { UpstreamHttp } from '../upstream-http.js';
import {
  AnthropicStreamTranslator,
  messageEvents,
  statusOfErrorType,
  thinkingTurnOf,
  toAnthropicParams,
  type AnthropicStreamEvent,
} from './anthropic-translation.js';
import type { ThinkingTurns } from './thinking-turns.js';

/** The API version this SDK's types describe (the SDK sends the same). */
const ANTHROPIC_VERSION = '2026-10-21';

/**
 * Anthropic's Messages API; the translation both ways lives in `anthropic-translation.ts`.
 * Chat calls, the hot path, go out through `UpstreamHttp.send` with the SDK's types, retry
 * rules, headers and error classes: the SDK's own request path cost several times more CPU
 * per call (README, Performance). The SDK client serves the rest (model listing).
 */
export class AnthropicConnector implements Connector {
  readonly provider = 'anthropic' as const;
  readonly name: string;
  readonly defaultModel?: string;
  private readonly client: Anthropic;
  private readonly errors: UpstreamErrors;
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: ConnectorConfig,
    apiKey: string | undefined,
    private readonly http: UpstreamHttp,
    logger: LoggerService,
    private readonly thinking: ThinkingTurns,
  ) {
    this.name = config.name;
    this.defaultModel = config.defaultModel;
    this.errors = new UpstreamErrors(config.name, config.timeoutMs, apiKey);
    const baseURL = (config.baseUrl ?? DEFAULT_BASE_URL.anthropic).replace(/\/+$/, '');
    this.url = `${baseURL}/v1/messages`;
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
    };
    if (apiKey !== undefined) this.headers.authorization = `Bearer ${apiKey}`;
    this.client = new Anthropic({
      apiKey: apiKey ?? null,
      authToken: null,
      baseURL,
      timeout: config.timeoutMs,
      maxRetries: config.maxRetries,
      fetch: http.fetch,
      logger: sdkLogger(logger),
      logLevel: 'warn',
    });
  }

  async *chat(request: ChatRequest, options: ConnectorCallOptions): AsyncGenerator<ChatEvent> {
    const model = requireModel(this, options.model);
    const kept = await this.thinking.recall(request.messages);
    const params = toAnthropicParams(request, model, this.config.defaults, kept);
    const { signal } = options;
    const stream = options.stream !== false;
    const body = JSON.stringify(stream ? { ...params, stream: true } : params);
    let res;
    try {
      res = await this.http.send({
        method: 'POST',
        url: this.url,
        headers: this.headers,
        body,
        signal,
        toError: sdkError,
      });
    } catch (error) {
      throw this.failure(error, signal);
    }

    if (!stream) {
      const message = await readJson<Anthropic.Message>(res.body, signal, this.errors);
      if (!Array.isArray(message?.content) || !message.usage)
        throw this.errors.malformed('answered with something that is not a message');
      const turn = thinkingTurnOf(message.content);
      if (turn) await this.thinking.remember(turn);
      yield* messageEvents(message);
      return;
    }

    const decoder = new SseDecoder();
    const translator = new AnthropicStreamTranslator();
    const done = yield* streamEvents(res.body, signal, this.errors, (text, out) => {
      for (const sse of text === undefined ? [] : decoder.push(text)) {
        if (sse.event === 'error') throw this.streamError(sse.data);
        const event = parseJson<AnthropicStreamEvent>(sse.data);
        if (event === undefined)
          throw this.errors.malformed('sent a stream event that is not JSON');
        if (translator.push(event, out)) return true;
      }
      return false;
    });
    if (!done) {
      if (signal.aborted) return;
      throw this.errors.malformed('ended the stream before message_stop');
    }
    // Kept before the turn is seen to end: the client may answer its tool calls at once.
    const turn = translator.thinkingTurn();
    if (turn) await this.thinking.remember(turn);
    yield* translator.end();
  }

  async listModels({ signal }: { signal: AbortSignal }): Promise<string[]> {
    try {
      const ids: string[] = [];
      for await (const model of this.client.models.list({}, { signal })) ids.push(model.id);
      return ids;
    } catch (error) {
      throw this.failure(error, signal);
    }
  }

  /** An `event: error` mid-stream (e.g. `overloaded_error`), mapped like the same error as a response. */
  private streamError(data: string): unknown {
    const body = parseJson<{ error?: { type?: string; message?: string } }>(data);
    return this.errors.fromStatus({
      status: statusOfErrorType(body?.error?.type),
      message: body?.error?.message,
      midStream: body?.error?.type ?? 'error',
    });
  }

  /** The SDK's error classes (from the SDK client, or built by `sdkError`), as ConnectorErrors. */
  private failure(error: unknown, signal: AbortSignal): unknown {
    if (error instanceof Anthropic.APIError && typeof error.status === 'number') {
      const body = error.error as { error?: { message?: unknown } } | undefined;
      const message = body?.error?.message;
      return this.errors.fromStatus({
        status: error.status,
        message: typeof message === 'string' ? message : undefined,
        retryAfter: retryAfterOf(error.headers),
      });
    }
    if (error instanceof Anthropic.APIConnectionTimeoutError && !signal.aborted)
      return this.errors.timeout();
    return this.errors.fromTransport(error, signal, false);
  }
}

/** An error response as the SDK would have thrown it. */
function sdkError(status: number, text: string, headers: Headers): APIError {
  const json = parseJson<object>(text);
  return Anthropic.APIError.generate(status, json, json ? undefined : text, headers);
}
