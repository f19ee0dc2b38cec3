import { CodedError } from '../common/coded-error.js';

export enum StorageErrorCode {
  /** The backing store (Redis, SQLite) did not answer in time or refused the command. */
  UNAVAILABLE = 'UNAVAILABLE',
}

export class StorageError extends CodedError<StorageErrorCode> {}
