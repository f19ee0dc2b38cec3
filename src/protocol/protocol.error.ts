import { CodedError } from '../common/coded-error.js';

export enum ProtocolErrorCode {
  /** The body does not match OpenAI's request schema. */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** A well-formed request for a feature this service does not offer (a hosted tool, …). */
  UNSUPPORTED = 'UNSUPPORTED',
  /** A request parameter this service does not offer at all (`conversation`, `prompt`, …). */
  UNSUPPORTED_PARAMETER = 'UNSUPPORTED_PARAMETER',
  /** `GET /v1/models/{id}` for a model this service does not offer. */
  MODEL_NOT_FOUND = 'MODEL_NOT_FOUND',
  /** A stored response that does not exist, expired, or is another user's. */
  RESPONSE_NOT_FOUND = 'RESPONSE_NOT_FOUND',
  /** A body over `server.bodyLimit` (declared, or found while reading it). */
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
  /** A JSON body that does not parse (or a compressed one that does not inflate). */
  INVALID_JSON = 'INVALID_JSON',
  /** A JSON body in a charset or content encoding the service does not read. */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
}

export class ProtocolError extends CodedError<ProtocolErrorCode> {}
