import type { Request } from 'express';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';

const CALLER = Symbol('caller');
type WithCaller = Request & { [CALLER]?: CallerIdentity };

/** Set by the authentication guard once it has established who is calling. */
export function setCaller(req: Request, caller: CallerIdentity): void {
  (req as WithCaller)[CALLER] = caller;
}

/** The authenticated caller; `anonymous` when authentication is off. */
export function getCaller(req: Request): CallerIdentity {
  return (req as WithCaller)[CALLER] ?? { userId: 'anonymous' };
}
