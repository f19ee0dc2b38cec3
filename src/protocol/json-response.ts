import type { Response } from 'express';

/**
 * `res.json` without Express's per-call work (content-type negotiation through `mime`,
 * charset rewriting, header normalising): on the hot path it cost as much as the write.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
