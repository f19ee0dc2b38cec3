import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';

export type AuditEvent =
  | 'config.loaded'
  | 'secrets.loaded'
  | 'auth.failed'
  | 'access.denied'
  | 'rate_limit.hit'
  | 'keys.reloaded'
  | 'keys.reload_failed';

/**
 * Security events on their own stream: every line carries `audit: true` so a log shipper
 * can route them apart. Never pass secret values here (they would be scrubbed anyway).
 */
@Injectable()
export class AuditLog {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext('audit');
  }

  record(event: AuditEvent, fields: Record<string, unknown> = {}): void {
    const level = event === 'config.loaded' || event === 'secrets.loaded' || event === 'keys.reloaded' ? 'info' : 'warn';
    this.logger[level]({ audit: true, event, ...fields }, event);
  }
}
