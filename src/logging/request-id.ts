import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const ACCEPTABLE = /^[\w.:@/+=-]{1,128}$/;

/**
 * The request id: the caller's `x-request-id` when it is a sane token (so ids correlate
 * across a proxy chain), else a fresh UUID. Echoed on the response.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}
