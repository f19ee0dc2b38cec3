import { CodedError } from '../common/coded-error.js';

export enum SecretsErrorCode {
  MISSING = 'MISSING',
  UNRESOLVED = 'UNRESOLVED',
}

export class SecretsError extends CodedError<SecretsErrorCode> {}
