import type { ListResponse } from 'ollama';
import type { Dispatcher } from 'undici';
import type { ChatEvent, ChatRequest } from '../../common/chat.types.js';
import type { Connector, ConnectorCallOptions } from '../connector.js';
import { DEFAULT_BASE_URL, type ConnectorConfig } from '../connectors.config.js';
import { requireModel } from '../connector-support.js';
import type { ConnectorError } from '../connector.error.js';
import { NdjsonDecoder } from '../ndjson-decoder.js';
import { streamEvents } from '../upstream-body.js';
import { retryAfterOf, UpstreamErrors } from '../upstream-errors.js';
import type { UpstreamHttp } from '../upstream-http.js';
import { OllamaTranslator, toOllamaRequest, type OllamaLine } from './ollama-translation.js';

/**
 * Ollama's native API (`/api/chat` as NDJSON, `/api/tags`) through `UpstreamHttp.send`: the
 * `ollama` npm client takes no per-request abort signal for unstreamed calls and no
 * timeouts, and logs to the console on errors; its types are used here all the same.
 */
export class OllamaConnector implements Connector {
  readonly provider = 'ollama' as const;
  readonly name: string;
  readonly defaultModel?: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly errors: UpstreamErrors;

  constructor(
    private readonly config: ConnectorConfig,
    apiKey: string | undefined,
    private readonly http: UpstreamHttp,
  ) {
    this.name = config.name;
    this.defaultModel = config.defaultModel;
    this.base = (config.baseUrl ?? DEFAULT_BASE_URL.ollama).replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    // Ollama itself takes no key; one in front of it (ollama.com, a proxy) takes a bearer token.
    if (apiKey !== undefined) this.headers.authorization = `Bearer ${apiKey}`;
    this.errors = new UpstreamErrors(config.name, config.timeoutMs, apiKey);
  }

  async *chat(request: ChatRequest, options: ConnectorCallOptions): AsyncGenerator<ChatEvent> {
    const model = requireModel(this, options.model);
    const stream = options.stream !== false;
    const body = JSON.stringify(toOllamaRequest(request, model, this.config, stream));
    const { signal } = options;
    const res = await this.send('POST', '/api/chat', body, signal);

    const decoder = new NdjsonDecoder();
    const translator = new OllamaTranslator();
    // An unstreamed answer is one line, read the same way (it may lack its newline).
    const done = yield* streamEvents(res.body, signal, this.errors, (text, out) => {
      for (const line of this.lines(decoder, text)) {
        if (line.error !== undefined) throw this.lineError(line.error);
        if (translator.push(line, out)) return true;
      }
      return false;
    });
    if (!done && !signal.aborted)
      throw this.errors.malformed('ended the answer before "done": true');
  }

  async listModels({ signal }: { signal: AbortSignal }): Promise<string[]> {
    const res = await this.send('GET', '/api/tags', undefined, signal);
    try {
      const list = (await res.body.json()) as ListResponse;
      return list.models.map((m) => m.name);
    } catch (error) {
      throw this.errors.fromTransport(error, signal, true);
    }
  }

  /** Parsed lines of `text` (or of what is left at the end). */
  private lines(decoder: NdjsonDecoder, text: string | undefined): OllamaLine[] {
    try {
      return (text === undefined ? decoder.end() : decoder.push(text)) as OllamaLine[];
    } catch {
      throw this.errors.malformed('sent a line that is not JSON');
    }
  }

  /** An `{ "error": … }` line: thrown where it stands, after the lines before it were passed on. */
  private lineError(error: unknown): ConnectorError {
    return this.errors.malformed(
      `reported an error mid-stream: ${this.errors.scrub(String(error))}`,
    );
  }

  /** One request with the connector's retries; resolves once a 2xx response's headers arrived. */
  private async send(
    method: Dispatcher.HttpMethod,
    path: string,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await this.http.send({
        method,
        url: `${this.base}${path}`,
        headers: this.headers,
        body,
        signal,
        toError: (status, text, headers) =>
          this.errors.fromStatus({
            status,
            message: errorMessage(text),
            retryAfter: retryAfterOf(headers),
          }),
      });
    } catch (error) {
      throw this.errors.fromTransport(error, signal, false);
    }
  }
}

function errorMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: the text itself
  }
  return text || undefined;
}
