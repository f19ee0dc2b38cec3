import type { LoggerService } from '@nestjs/common';
import OpenAI, { type APIError } from 'openai';
import type { ChatEvent, ChatRequest } from '../../common/chat.types.js';
import type { Connector, ConnectorCallOptions } from '../connector.js';
import { DEFAULT_BASE_URL, type ConnectorConfig } from '../connectors.config.js';
import { parseJson, requireModel, sdkLogger } from '../connector-support.js';
import { SseDecoder } from '../sse-decoder.js';
import { readJson, streamEvents } from '../upstream-body.js';
import { retryAfterOf, UpstreamErrors } from '../upstream-errors.js';
import type { UpstreamHttp } from '../upstream-http.js';
import {
  chunkEvents,
  completionEvents,
  toOpenAiParams,
  type StreamData,
} from './openai-translation.js';

/**
 * OpenAI and every OpenAI-compatible server (vLLM, LM Studio, llama.cpp, Ollama's `/v1`).
 * Chat calls, the hot path, go out through `UpstreamHttp.send` with the SDK's types, retry
 * rules and error classes: the SDK's own request path cost several times more CPU per call
 * (README, Performance). The SDK client serves the rest (model listing).
 */
export class OpenAiConnector implements Connector {
  readonly provider = 'openai' as const;
  readonly name: string;
  readonly defaultModel?: string;
  private readonly client: OpenAI;
  private readonly errors: UpstreamErrors;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  /** OpenAI's own API, not another OpenAI-compatible server (see `toOpenAiParams`). */
  private readonly openAiApi: boolean;

  constructor(
    private readonly config: ConnectorConfig,
    apiKey: string | undefined,
    private readonly http: UpstreamHttp,
    logger: LoggerService,
  ) {
    this.name = config.name;
    this.defaultModel = config.defaultModel;
    this.errors = new UpstreamErrors(config.name, config.timeoutMs, apiKey);
    const baseURL = (config.baseUrl ?? DEFAULT_BASE_URL.openai).replace(/\/+$/, '');
    this.url = `${baseURL}/chat/completions`;
    this.openAiApi = new URL(baseURL).hostname === new URL(DEFAULT_BASE_URL.openai).hostname;
    // A keyless server gets no Authorization header at all.
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey !== undefined) this.headers.authorization = `Bearer ${apiKey}`;
    this.client = new OpenAI({
      apiKey: apiKey ?? 'none',
      defaultHeaders: apiKey === undefined ? { authorization: null } : undefined,
      organization: null,
      project: null,
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
    const params = toOpenAiParams(request, model, this.config.defaults, this.openAiApi);
    const { signal } = options;
    const stream = options.stream !== false;
    const body = JSON.stringify(
      stream ? { ...params, stream: true, stream_options: { include_usage: true } } : params,
    );
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
      const completion = await readJson<OpenAI.ChatCompletion & { error?: { message?: unknown } }>(
        res.body,
        signal,
        this.errors,
      );
      // Some OpenAI-compatible servers answer a failure with a 200 and an error body.
      if (!Array.isArray(completion?.choices)) {
        const why = completion?.error?.message;
        throw this.errors.malformed(
          typeof why === 'string'
            ? `reported an error: ${this.errors.scrub(why)}`
            : 'answered with something that is not a chat completion',
        );
      }
      yield* completionEvents(completion);
      return;
    }

    const decoder = new SseDecoder();
    let finished = false;
    yield* streamEvents(res.body, signal, this.errors, (text, out) => {
      for (const { data } of text === undefined ? [] : decoder.push(text)) {
        if (data === '[DONE]') return true;
        const chunk = parseJson<StreamData>(data);
        if (chunk === undefined)
          throw this.errors.malformed('sent a stream event that is not JSON');
        if (chunk.error)
          throw this.errors.malformed(
            `reported an error mid-stream: ${this.errors.scrub(String(chunk.error.message ?? 'unknown'))}`,
          );
        if (chunkEvents(chunk, out)) finished = true;
      }
      return false;
    });
    if (!finished && !signal.aborted)
      throw this.errors.malformed('ended the stream before finishing the answer');
  }

  async listModels({ signal }: { signal: AbortSignal }): Promise<string[]> {
    try {
      const ids: string[] = [];
      for await (const model of this.client.models.list({ signal })) ids.push(model.id);
      return ids;
    } catch (error) {
      throw this.failure(error, signal);
    }
  }

  /** The SDK's error classes (from the SDK client, or built by `sdkError`), as ConnectorErrors. */
  private failure(error: unknown, signal: AbortSignal): unknown {
    if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
      const body = error.error as { message?: unknown; param?: unknown } | undefined;
      return this.errors.fromStatus({
        status: error.status,
        message: typeof body?.message === 'string' ? body.message : undefined,
        param: typeof body?.param === 'string' ? body.param : null,
        retryAfter: retryAfterOf(error.headers),
      });
    }
    if (error instanceof OpenAI.APIConnectionTimeoutError && !signal.aborted)
      return this.errors.timeout();
    return this.errors.fromTransport(error, signal, false);
  }
}

/** An error response as the SDK would have thrown it. */
function sdkError(status: number, text: string, headers: Headers): APIError {
  const json = parseJson<object>(text);
  return OpenAI.APIError.generate(status, json, json ? undefined : text, headers);
}
