import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { SecretsService } from '../secrets/secrets.service.js';
import { AuditLog } from './audit-log.js';
import { LOG_DESTINATION, type LogDestination } from './log-destination.js';
import { loggingConfig, type LoggingConfig } from './logging.config.js';
import { assignRequestId } from './request-id.js';
import { requestLogFields } from './request-log.js';
import { SecretScrubber } from './secret-scrubber.js';

/** Paths redacted from any logged object, whatever the values. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'authorization',
  '*.authorization',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.token',
  '*.secret',
];

/**
 * nestjs-pino for every log line, Nest's own included (C10): one JSON line per request,
 * redaction by path and by value (every resolved secret is scrubbed from every line).
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(destination?: LogDestination): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          providers: [loggingConfig.provider(), { provide: LOG_DESTINATION, useValue: destination }],
          inject: [loggingConfig.KEY, SecretsService, LOG_DESTINATION],
          useFactory: (config: LoggingConfig, secrets: SecretsService, dest: LogDestination) => {
            const scrubber = new SecretScrubber(secrets.values());
            const options: Options<Request, Response> = {
              level: config.level,
              redact: { paths: [...REDACT_PATHS, ...config.redact], censor: '[REDACTED]' },
              hooks: { streamWrite: (line) => scrubber.scrub(line) },
              genReqId: assignRequestId,
              customProps: (_req, res) => requestLogFields(res) ?? {},
              serializers: {
                req: (req: { id: unknown; method: string; url: string }) => ({
                  id: req.id,
                  method: req.method,
                  url: req.url,
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
              customSuccessMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
              customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
              transport:
                config.pretty && !dest
                  ? { target: 'pino-pretty', options: { singleLine: true } }
                  : undefined,
            };
            return { pinoHttp: dest ? [options, dest] : options };
          },
        }),
      ],
      providers: [AuditLog],
      exports: [AuditLog],
    };
  }
}
