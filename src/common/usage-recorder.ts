import type { Request } from 'express';
import type { Usage } from './chat.types.js';

/** One finished call, as told to a `UsageRecorder`. */
export interface RecordedCall {
  logicId: string;
  /**
   * The usage reported until the call ended; undefined when it ended (failed, or the client
   * went away) before any was reported.
   */
  usage?: Usage;
  /**
   * The end user the OL was told of (OpenAI's `user` field, or a trusted front end's
   * forwarded user). Taken from the request, so never an identity: the authenticated caller
   * is `getCaller(req)`.
   */
  endUser?: string;
}

/**
 * Told of every call (streamed or not) once it ends, also when it failed or the client went
 * away midway: e.g. to enforce tokens-per-minute limits, or to keep the usage ledger. Must
 * neither throw nor delay the response.
 */
export abstract class UsageRecorder {
  abstract record(req: Request, call: RecordedCall): void;
}

/**
 * The rate limiter's recorder (its token windows), provided by AuthModule under this token so
 * sessions can tell it of each call without knowing the class behind it.
 */
export const RATE_LIMIT_USAGE = Symbol('RATE_LIMIT_USAGE');
