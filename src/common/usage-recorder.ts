import type { Request } from 'express';
import type { Usage } from './chat.types.js';

/**
 * Told the summed usage of every completed call (streamed or not), e.g. to enforce
 * tokens-per-minute limits. Must neither throw nor delay the response.
 */
export abstract class UsageRecorder {
  abstract record(req: Request, logicId: string, usage: Usage): void;
}
