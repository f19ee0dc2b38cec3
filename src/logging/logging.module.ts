import { createRequire } from 'node:module';
import { Global, Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream, type LevelWithSilent } from 'pino';
import type { Options } from 'pino-http';
import { getCaller } from '../common/request-caller.js';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { activateLogging, activeLogging, activeSink, stdoutDestination } from './active-logging.js';
import { AuditLog } from './audit-log.js';
import { BootAudit } from './boot-audit.js';
import { LOG_DESTINATION, type LogDestination } from './log-destination.js';
import { loggingConfig, type LoggingConfig } from './logging.config.js';
import { assignRequestId } from './request-id.js';
import { requestLogFields } from './request-log.js';
import { SecretScrubber } from './secret-scrubber.js';

/**
 * Paths redacted from any logged object, whatever the values (pino's `*` is one level).
 * Request headers are not logged at all (see the `req` serializer); these catch headers
 * and credentials that other code logs inside its own objects. Kept short on purpose:
 * every wildcard path costs time on every log line, and known secret values are scrubbed
 * from every line anyway (SecretScrubber).
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'authorization',
  'apiKey',
  'password',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.apiKey',
  '*.password',
];

/**
 * nestjs-pino for every log line, Nest's own included (C10): one JSON line per request,
 * redaction by path and by value (every resolved secret is scrubbed from every line).
 */
@Global()
@Module({})
export class LoggingModule implements OnModuleInit {
  constructor(@Inject(loggingConfig.KEY) private readonly config: LoggingConfig) {}

  /** pino was built by the process's first app: this app's level applies from here on. */
  onModuleInit(): void {
    if (PinoLogger.root) PinoLogger.root.level = this.config.level;
  }

  static forRoot(destination?: LogDestination): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          providers: [
            loggingConfig.provider(),
            { provide: LOG_DESTINATION, useValue: destination },
          ],
          inject: [loggingConfig.KEY, SecretsService, LoadedConfiguration, LOG_DESTINATION],
          useFactory: (
            config: LoggingConfig,
            secrets: SecretsService,
            loaded: LoadedConfiguration,
            dest: LogDestination,
          ) => {
            const scrubber = new SecretScrubber(secrets.values());
            // A secret resolved later (a reloaded key file) is scrubbed from then on.
            secrets.onNewValue(() => scrubber.set(secrets.values()));
            activateLogging({
              scrubber,
              destination: dest ?? (config.pretty ? prettyTransport(loaded) : stdoutDestination()),
              logContent: config.logContent,
            });
            // Only the first app of the process builds pino from these (see active-logging.ts):
            // per-app parts go through activeLogging().
            const withFields = (req: Request, res: Response, val: object): object => ({
              ...val,
              ...requestFields(req, res, activeLogging()?.logContent === true),
            });
            const options: Options<Request, Response> = {
              level: config.level,
              redact: { paths: [...REDACT_PATHS, ...config.redact], censor: '[REDACTED]' },
              hooks: { streamWrite: (line) => activeLogging()?.scrubber.scrub(line) ?? line },
              genReqId: assignRequestId,
              customLogLevel: levelOf,
              customSuccessObject: withFields,
              customErrorObject: (req, res, _error, val: object) => withFields(req, res, val),
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
            };
            return { pinoHttp: [options, activeSink] };
          },
        }),
      ],
      providers: [loggingConfig.provider(), AuditLog, BootAudit],
      exports: [AuditLog],
    };
  }
}

/** Failed requests stand out: 5xx at error, 4xx at warn. */
function levelOf(_req: Request, res: Response, error?: Error): LevelWithSilent {
  if (error || res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/**
 * What the request's completion line carries besides id, method, URL, status and
 * `responseTime` (ms): who called, what the handlers annotated (URN, OL, connector,
 * usage) and, only when `logging.logContent` is on, the messages sent.
 */
function requestFields(req: Request, res: Response, logContent: boolean): Record<string, unknown> {
  const caller = getCaller(req);
  const fields: Record<string, unknown> = { user: caller.userId };
  if (caller.keyId) fields.keyId = caller.keyId;
  Object.assign(fields, requestLogFields(res));
  if (logContent) {
    const body: unknown = req.body;
    if (typeof body === 'object' && body !== null) {
      const { messages, input } = body as { messages?: unknown; input?: unknown };
      if (messages !== undefined) fields.messages = messages;
      if (input !== undefined) fields.input = input;
    }
  }
  return fields;
}

/** pino-pretty is a dev dependency: asking for it where it is not installed is a config error. */
function prettyTransport(loaded: LoadedConfiguration): DestinationStream {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    throw new ConfigurationError([
      {
        source: loaded.sourceOf('logging.pretty'),
        path: 'logging.pretty',
        message: 'expected false here: pino-pretty (a development dependency) is not installed',
      },
    ]);
  }
  return pino.transport({ target: 'pino-pretty', options: { singleLine: true } });
}
