import { CodedError } from '../common/coded-error.js';

export enum ProtocolErrorCode {
  /** The body does not match OpenAI's request schema. */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** `GET /v1/models/{id}` for a model this service does not offer. */
  MODEL_NOT_FOUND = 'MODEL_NOT_FOUND',
  /** A declared `Content-Length` over `server.bodyLimit`. */
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
}

export class ProtocolError extends CodedError<ProtocolErrorCode> {}
