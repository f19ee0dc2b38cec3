import { CodedError } from '../common/coded-error.js';

export enum RouterErrorCode {
  /** The `model` is not a URN of this service at all (e.g. `gpt-4o`, other namespace). */
  UNKNOWN_MODEL = 'UNKNOWN_MODEL',
  /** A well-formed URN naming an OL that is not installed. */
  UNKNOWN_LOGIC = 'UNKNOWN_LOGIC',
  /** Syntax: empty segment, missing `=`, bad percent-encoding, duplicate key. */
  MALFORMED_URN = 'MALFORMED_URN',
  /** The OL's params DTO refused a value, or the key is not one it takes. */
  INVALID_PARAM = 'INVALID_PARAM',
}

export class RouterError extends CodedError<RouterErrorCode> {}
