import type { Request } from 'express';
import { getCaller } from '../common/request-caller.js';

/** Whom limits count against: the authenticated user (all their keys together), else the IP. */
export function trackerOf(req: Request): string {
  const caller = getCaller(req);
  return caller.keyId ? `user:${caller.userId}` : `ip:${req.ip ?? 'unknown'}`;
}
