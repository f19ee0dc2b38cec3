import { Agent, request, type Dispatcher } from 'undici';
import { isRetryableStatus, withRetries } from './retry.js';

export interface UpstreamHttpOptions {
  /** Longest wait for response headers, and between two pieces of a response body. */
  timeoutMs: number;
  /** Connections per upstream origin; unlimited when absent. */
  maxConnections?: number;
  /** Retries of a failed attempt, before the first byte of an answer only. */
  maxRetries: number;
}

export interface UpstreamRequest {
  method: Dispatcher.HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /**
   * What an error response becomes once retries are spent (each adapter builds its SDK's
   * error class from it, so errors mean what they mean with the SDK).
   */
  toError: (status: number, text: string, headers: Headers) => unknown;
}

type RequestBody = Dispatcher.DispatchOptions['body'];

/** A retryable error response, kept for the last attempt's error. */
class RetryableResponse {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly headers: Headers,
  ) {}
}

/**
 * One connector's HTTP client: an undici connection pool (uncapped by default: a pool
 * smaller than the number of concurrent streams makes streams queue behind each other)
 * with the connector's timeouts. `send` is the hot path: `undici.request` with the retry
 * rules of the provider SDKs; `fetch` serves the SDK clients off the hot path. Measured
 * (README, Performance): a chat call through an SDK costs several times the CPU of the
 * same call through `send`, whatever `fetch` the SDK is given.
 */
export class UpstreamHttp {
  readonly dispatcher: Agent;
  private readonly maxRetries: number;

  constructor(options: UpstreamHttpOptions) {
    this.maxRetries = options.maxRetries;
    this.dispatcher = new Agent({
      connections: options.maxConnections ?? null,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(options.timeoutMs, 30_000) },
    });
  }

  /**
   * One request with retries (408/409/429/5xx unless `x-should-retry` says otherwise, and
   * connection failures, with the SDKs' backoff and `retry-after`). Resolves once a 2xx
   * response's headers arrived; its body is the caller's to read (or destroy). Nothing is
   * retried once a response is handed over.
   */
  async send(req: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    try {
      return await withRetries(
        async () => {
          const res = await request(req.url, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            signal: req.signal,
            dispatcher: this.dispatcher,
          });
          if (res.statusCode < 300) return res;
          const text = await res.body.text().catch(() => '');
          throw new RetryableResponse(res.statusCode, text, toHeaders(res.headers));
        },
        (error) => {
          if (!(error instanceof RetryableResponse)) return { retry: true };
          const should = error.headers.get('x-should-retry');
          const retry =
            should === 'true' || (should !== 'false' && isRetryableStatus(error.status));
          return {
            retry,
            retryAfter: error.headers.get('retry-after') ?? retryAfterMsAsSeconds(error.headers),
          };
        },
        this.maxRetries,
        req.signal,
      );
    } catch (error) {
      if (error instanceof RetryableResponse)
        throw req.toError(error.status, error.text, error.headers);
      throw transportError(error);
    }
  }

  /** `fetch` for an SDK's `fetch` option. The body is a web stream over the socket, never buffered. */
  readonly fetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    if (typeof input === 'object' && 'method' in input)
      throw new TypeError('UpstreamHttp.fetch takes a URL, not a Request');
    let res: Dispatcher.ResponseData;
    try {
      res = await request(input, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: toHeaderPairs(init.headers),
        body: init.body as RequestBody,
        signal: init.signal ?? undefined,
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      throw transportError(error);
    }
    const headers = toHeaders(res.headers);
    const bodiless = res.statusCode === 204 || res.statusCode === 304 || init.method === 'HEAD';
    if (bodiless) res.body.resume();
    // Pull-based: the socket is read only as the consumer reads, and cancelling the web
    // stream destroys the request (Readable.toWeb pushes, and throws on late events).
    return new Response(bodiless ? null : ReadableStream.from<Uint8Array>(res.body), {
      status: res.statusCode,
      statusText: res.statusText,
      headers,
    });
  };

  /** Cuts whatever is still open (the HTTP server has drained its requests by then). */
  close(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

function toHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

function retryAfterMsAsSeconds(headers: Headers): string | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  return Number.isFinite(ms) && ms > 0 ? String(ms / 1000) : undefined;
}

/**
 * Socket errors are raised by Node's internals; the SDKs keep only errors that are
 * `instanceof Error` in their own realm (they re-create others, dropping `code`). Passing
 * them on as an Error of this realm keeps the name and code that say what happened.
 */
function transportError(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) return error;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  const copy = new Error(typeof message === 'string' ? message : 'upstream request failed', {
    cause: error,
  });
  if (typeof name === 'string') copy.name = name;
  if (typeof code === 'string') (copy as NodeJS.ErrnoException).code = code;
  return copy;
}

function toHeaderPairs(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [key, value] of headers) out[key] = value;
    return out;
  }
  for (const [key, value] of Object.entries(headers))
    if (value !== undefined) out[key] = String(value);
  return out;
}
