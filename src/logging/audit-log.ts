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

/** Events that describe normal operation; every other one is a warning. */
const INFO_EVENTS: ReadonlySet<AuditEvent> = new Set([
  'config.loaded',
  'secrets.loaded',
  'keys.reloaded',
]);

/**
 * Security events on their own stream: every line carries `audit: true` and `event`, so a
 * log shipper can route them apart. Inside a request the line also carries the request id.
 * Never pass secret values here (they would be scrubbed anyway).
 */
@Injectable()
export class AuditLog {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext('audit');
  }

  record(event: AuditEvent, fields: Record<string, unknown> = {}): void {
    const level = INFO_EVENTS.has(event) ? 'info' : 'warn';
    this.logger[level]({ ...fields, audit: true, event }, event);
  }
}
