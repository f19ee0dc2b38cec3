import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import type { LevelWithSilent } from 'pino';
import { getCaller } from '../common/request-caller.js';
import { activeLogging } from './active-logging.js';
import { assignRequestId } from './request-id.js';
import { requestLogFields } from './request-log.js';

/**
 * One JSON line per request, written when the response closes, and a logging context for
 * everything logged while it is served (each line carries `reqId`). Mounted ahead of every
 * other middleware (bootstrap.ts), so a body refused by the parser is logged and answered
 * with its `x-request-id` too.
 *
 * In place of nestjs-pino's pino-http middleware, which on the hot path cost more than the
 * rest of the service together (a request serializer and a redacted child logger built for
 * every request, a response serializer and three listeners at the end): see README,
 * "Performance".
 */
@Injectable()
export class RequestLoggerMiddleware implements NestMiddleware {
  constructor(private readonly logger: PinoLogger) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    const id = assignRequestId(req, res);
    req.id = id;
    res.once('close', () => this.completed(req, res, started));
    this.logger.runInContext(next, { bindings: { reqId: id } });
  }

  private completed(req: Request, res: Response, started: number): void {
    const status = res.statusCode;
    const level = levelOf(status);
    const root = PinoLogger.root;
    if (!root?.isLevelEnabled(level)) return;
    const caller = getCaller(req);
    const line: Record<string, unknown> = {
      req: { id: req.id, method: req.method, url: req.originalUrl },
      res: { statusCode: status },
      responseTime: Math.round(performance.now() - started),
      user: caller.userId,
    };
    if (caller.keyId) line.keyId = caller.keyId;
    // The client went away before the answer was complete (a stream cut short, say).
    if (!res.writableFinished) line.aborted = true;
    Object.assign(line, requestLogFields(res));
    if (activeLogging()?.logContent) Object.assign(line, contentOf(req.body));
    root[level](line, `${req.method} ${req.originalUrl} ${status}`);
  }
}

/** Failed requests stand out: 5xx at error, 4xx at warn. */
function levelOf(status: number): Exclude<LevelWithSilent, 'silent'> {
  if (status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}

/** With `logging.logContent` on, the messages (or input) the client sent. */
function contentOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const { messages, input } = body as { messages?: unknown; input?: unknown };
  return {
    ...(messages !== undefined && { messages }),
    ...(input !== undefined && { input }),
  };
}
