import { SecretScrubber } from '../logging/secret-scrubber.js';
import { ConnectorError, ConnectorErrorCode } from './connector.error.js';

/** What an upstream's HTTP error said, as each adapter reads it from its SDK's error. */
export interface UpstreamStatus {
  status: number;
  /** The provider's own message (scrubbed before use). */
  message?: string;
  param?: string | null;
  retryAfter?: string;
  /** The provider's error type when it reported the error inside a stream (no HTTP status). */
  midStream?: string;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const TIMEOUT_NAMES = new Set([
  'APIConnectionTimeoutError',
  'TimeoutError',
  'HeadersTimeoutError',
  'BodyTimeoutError',
  'ConnectTimeoutError',
]);
/** Things that look like credentials in a provider's message (`sk-…`, `sk-ant-…`, bearer tokens). */
const KEY_LIKE = /\b(sk|pk|rk|key|api|token)[-_][A-Za-z0-9_-]{8,}|\bBearer\s+\S+/gi;
const MAX_DETAIL = 500;

/**
 * Turns upstream failures into ConnectorErrors with the status a client should see. A
 * provider's message is passed on only where it helps the client (a 400, a 404) and is
 * scrubbed of the connector's key first: providers echo (parts of) keys in their errors.
 */
export class UpstreamErrors {
  /**
   * The connector's key, as is, URL-encoded or JSON-escaped. Scrubbed here although every
   * error message a client sees is scrubbed again: cutting a message to MAX_DETAIL could
   * leave part of a key that no later scrubber would recognise.
   */
  private readonly key: SecretScrubber;

  constructor(
    private readonly connector: string,
    private readonly timeoutMs: number,
    secret?: string,
  ) {
    this.key = new SecretScrubber(secret === undefined ? [] : [secret]);
  }

  scrub(text: string): string {
    const scrubbed = this.key.scrub(text).replace(KEY_LIKE, '[REDACTED]');
    return scrubbed.length > MAX_DETAIL ? `${scrubbed.slice(0, MAX_DETAIL)}…` : scrubbed;
  }

  fromStatus({ status, message, param, retryAfter, midStream }: UpstreamStatus): ConnectorError {
    const who = `The upstream of connector '${this.connector}'`;
    const detail = message ? `: ${this.scrub(message)}` : '';
    const how = midStream ? `${this.scrub(midStream)}, mid-stream` : `HTTP ${status}`;
    const upstreamStatus = status;
    if (status === 401 || status === 403) {
      return new ConnectorError(
        ConnectorErrorCode.UPSTREAM_AUTH,
        `${who} refused the service's credentials (${how}); the operator must check its API key`,
        { upstreamStatus },
      );
    }
    if (status === 404) {
      return new ConnectorError(
        ConnectorErrorCode.UPSTREAM_NOT_FOUND,
        `${who} answered ${midStream ? `(${how})` : '404'}${detail}`,
        { param: 'model', upstreamStatus },
      );
    }
    if (status === 429) {
      return new ConnectorError(
        ConnectorErrorCode.UPSTREAM_RATE_LIMITED,
        `${who} is rate limiting requests${detail}`,
        {
          retryAfter,
          upstreamStatus,
        },
      );
    }
    if (status === 408) return this.timeout(false, upstreamStatus);
    if (status >= 400 && status < 500 && status !== 409) {
      return new ConnectorError(
        ConnectorErrorCode.UPSTREAM_BAD_REQUEST,
        `${who} rejected the request (${how})${detail}`,
        {
          param: param ?? null,
          upstreamStatus,
        },
      );
    }
    return new ConnectorError(
      ConnectorErrorCode.UPSTREAM_UNAVAILABLE,
      `${who} failed (${how})${detail}`,
      { upstreamStatus },
    );
  }

  /**
   * A failure without an HTTP status: no connection, a timeout, a stream cut mid-way.
   * When the client went away, the abort reason is what the caller should throw.
   */
  fromTransport(error: unknown, signal: AbortSignal, midStream: boolean): unknown {
    if (signal.aborted) return signal.reason;
    if (error instanceof ConnectorError) return error;
    if (isTimeout(error)) return this.timeout(midStream);
    const code = errorCode(error);
    const why = code ? ` (${code})` : '';
    return new ConnectorError(
      ConnectorErrorCode.UPSTREAM_UNAVAILABLE,
      midStream
        ? `The connection to the upstream of connector '${this.connector}' was cut mid-stream${why}`
        : `The upstream of connector '${this.connector}' could not be reached${why}`,
      { cause: error },
    );
  }

  /** A stream that ended without the provider's end marker, or that was not the provider's format. */
  malformed(what: string): ConnectorError {
    return new ConnectorError(
      ConnectorErrorCode.UPSTREAM_UNAVAILABLE,
      `The upstream of connector '${this.connector}' ${what}`,
    );
  }

  timeout(midStream = false, upstreamStatus?: number): ConnectorError {
    return new ConnectorError(
      ConnectorErrorCode.UPSTREAM_TIMEOUT,
      midStream
        ? `The upstream of connector '${this.connector}' stalled mid-stream for more than ${this.timeoutMs} ms`
        : `The upstream of connector '${this.connector}' did not answer within ${this.timeoutMs} ms`,
      { upstreamStatus },
    );
  }
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
}

/**
 * The cause chain (SDK error → fetch error → undici or system error). Duck-typed: errors
 * raised inside Node's internals may come from another realm than `Error`.
 */
function* causes(error: unknown): Generator<ErrorLike> {
  for (
    let e = error, depth = 0;
    typeof e === 'object' && e !== null && depth < 6;
    e = (e as ErrorLike).cause, depth++
  ) {
    yield e as ErrorLike;
  }
}

function isTimeout(error: unknown): boolean {
  for (const e of causes(error)) {
    if (typeof e.name === 'string' && TIMEOUT_NAMES.has(e.name)) return true;
    if (typeof e.code === 'string' && TIMEOUT_CODES.has(e.code)) return true;
  }
  return false;
}

/** The first system or undici error code along the cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`). */
function errorCode(error: unknown): string | undefined {
  for (const e of causes(error)) {
    if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** `retry-after` (or `retry-after-ms`, rounded up to seconds) of an upstream response. */
export function retryAfterOf(headers: Headers | undefined): string | undefined {
  const after = headers?.get('retry-after');
  if (after) return after;
  const ms = Number(headers?.get('retry-after-ms'));
  return Number.isFinite(ms) && ms > 0 ? String(Math.ceil(ms / 1000)) : undefined;
}
