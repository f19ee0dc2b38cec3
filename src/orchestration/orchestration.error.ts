import { CodedError } from '../common/coded-error.js';

export enum OrchestrationErrorCode {
  /** The OL refused the request as given (bad combination of inputs). */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** The OL failed in a way the client cannot fix. */
  FAILED = 'FAILED',
}

/** Thrown by OLs (and the framework around them); public to OL authors. */
export class OrchestrationError extends CodedError<OrchestrationErrorCode> {}
