import { CodedError } from '../common/coded-error.js';

export enum ConnectorErrorCode {
  /** The URN names a connector that is not configured. */
  UNKNOWN_CONNECTOR = 'UNKNOWN_CONNECTOR',
  /** Neither the URN nor the connector's `defaultModel` names an upstream model. */
  NO_MODEL = 'NO_MODEL',
  /** The request holds something this provider cannot take (audio for Anthropic, …). */
  UNSUPPORTED_INPUT = 'UNSUPPORTED_INPUT',
  /** The upstream refused the request as malformed (its 400/413/422). */
  UPSTREAM_BAD_REQUEST = 'UPSTREAM_BAD_REQUEST',
  /** The upstream refused the service's credentials (its 401/403): an operator problem. */
  UPSTREAM_AUTH = 'UPSTREAM_AUTH',
  /** The upstream does not know the model (its 404). */
  UPSTREAM_NOT_FOUND = 'UPSTREAM_NOT_FOUND',
  /** The upstream's 429; `retryAfter` carries its `retry-after`. */
  UPSTREAM_RATE_LIMITED = 'UPSTREAM_RATE_LIMITED',
  /** 5xx, connection refused or reset, a stream cut or malformed mid-way. */
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  /** No response headers, or no next stream piece, within `timeoutMs`. */
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
}

export interface ConnectorErrorOptions extends ErrorOptions {
  param?: string | null;
  /** The upstream's `retry-after` (seconds or HTTP date), passed on to the client. */
  retryAfter?: string;
  /** The upstream's HTTP status, when it answered with one. */
  upstreamStatus?: number;
}

/** Thrown by connectors; messages never hold upstream credentials. */
export class ConnectorError extends CodedError<ConnectorErrorCode> {
  readonly retryAfter?: string;
  readonly upstreamStatus?: number;

  constructor(code: ConnectorErrorCode, message: string, options: ConnectorErrorOptions = {}) {
    const { param = null, retryAfter, upstreamStatus, ...rest } = options;
    super(code, message, param, rest);
    this.retryAfter = retryAfter;
    this.upstreamStatus = upstreamStatus;
  }
}
