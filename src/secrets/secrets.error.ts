import { CodedError } from '../common/coded-error.js';

export enum SecretsErrorCode {
  /** At boot: a referenced secret is nowhere to be found (or unusable). */
  MISSING = 'MISSING',
  /** `get()` of a secret that configuration did not reference. */
  UNRESOLVED = 'UNRESOLVED',
  /** `resolve()` found the secret's file but cannot use it (unreadable, empty, bad name). */
  UNREADABLE = 'UNREADABLE',
}

/** Boot-time (and key-reload) secret failures; messages name secrets and places, never values. */
export class SecretsError extends CodedError<SecretsErrorCode> {}
