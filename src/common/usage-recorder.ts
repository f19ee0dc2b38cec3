import type { Request } from 'express';
import type { Usage } from './chat.types.js';

/**
 * Told the summed usage of every call (streamed or not), e.g. to enforce tokens-per-minute
 * limits: once it ends, also when it failed or the client went away midway (then the usage
 * reported until that moment). Must neither throw nor delay the response.
 */
export abstract class UsageRecorder {
  abstract record(req: Request, logicId: string, usage: Usage): void;
}
