import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ClientErrors } from './client-errors.js';
import { sendJson } from './json-response.js';

/**
 * Every error the HTTP layer sees — ours, Nest's own 404s, refused bodies,
 * unexpected exceptions — leaves as OpenAI's error body with the matching status.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly errors: ClientErrors) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const mapped = this.errors.map(exception);
    if (mapped.internal) this.logger.error(exception);
    if (res.headersSent) {
      // A streaming response writes its own error event; here only ensure it ends.
      if (!res.writableEnded) res.end();
      return;
    }
    if (mapped.headers) res.set(mapped.headers);
    sendJson(res, mapped.status, mapped.body);
  }
}
