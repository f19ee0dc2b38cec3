import { CodedError } from '../common/coded-error.js';

export enum AuthErrorCode {
  /** No API key in `Authorization: Bearer`, `api-key` or `x-api-key`. */
  MISSING_KEY = 'MISSING_KEY',
  /** Unknown or disabled key (one message for both: no probing which keys exist). */
  INVALID_KEY = 'INVALID_KEY',
  /** The key's OL patterns do not cover the model: answered like a model that does not exist. */
  MODEL_NOT_ALLOWED = 'MODEL_NOT_ALLOWED',
  /** An OL-registered access policy refused this caller or these URN params. */
  POLICY_DENIED = 'POLICY_DENIED',
  /** With authentication off, usage is read from this machine only (no key can be admin). */
  ADMIN_KEY_REQUIRED = 'ADMIN_KEY_REQUIRED',
  REQUEST_RATE_EXCEEDED = 'REQUEST_RATE_EXCEEDED',
  TOKEN_RATE_EXCEEDED = 'TOKEN_RATE_EXCEEDED',
  /** A tokens-per-day or -per-month budget is spent until its calendar window ends. */
  TOKEN_BUDGET_SPENT = 'TOKEN_BUDGET_SPENT',
}

export class AuthError extends CodedError<AuthErrorCode> {
  constructor(
    code: AuthErrorCode,
    message: string,
    param: string | null = null,
    /** For rate limits: seconds until the caller may retry. */
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message, param);
  }
}
