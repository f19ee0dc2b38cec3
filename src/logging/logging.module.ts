import { createRequire } from 'node:module';
import { Global, Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { activateLogging, activeLogging, activeSink, stdoutDestination } from './active-logging.js';
import { AuditLog } from './audit-log.js';
import { BootAudit } from './boot-audit.js';
import { LOG_DESTINATION, type LogDestination } from './log-destination.js';
import { loggingConfig, type LoggingConfig } from './logging.config.js';
import { RequestLoggerMiddleware } from './request-logger.middleware.js';
import { SecretScrubber } from './secret-scrubber.js';

/**
 * Paths redacted from any logged object, whatever the values: credential headers and keys
 * at the top level and under the parents errors and requests are usually logged in. No
 * leading wildcards: pino runs a wildcard path over every key of every line, which on the
 * hot path cost more than the request itself; known secret values are scrubbed from every
 * line anyway (SecretScrubber), so these catch credentials that are not ours (a client's).
 * Request headers are never logged (the request line's `req` is id, method and URL): a
 * path under `req` would run the redactor on every request line for nothing.
 */
const CREDENTIAL_HEADERS = [
  '.authorization',
  '.Authorization',
  '.cookie',
  '.Cookie',
  '["set-cookie"]',
  '["proxy-authorization"]',
  '["x-api-key"]',
  '["api-key"]',
];
const PARENTS = ['', 'request.', 'response.', 'error.', 'err.', 'config.', 'options.'];
// HTTP clients' errors nest the request they made: `err.config.headers`, `err.request.headers`.
const NESTED = ['err.', 'error.', 'response.'].flatMap((outer) =>
  ['config.', 'request.', 'response.'].map((inner) => outer + inner),
);
const REDACT_PATHS = [
  'authorization',
  ...[...PARENTS, ...NESTED].flatMap((parent) => [
    ...CREDENTIAL_HEADERS.map((header) => `${parent}headers${header}`),
    `${parent}apiKey`,
    `${parent}password`,
  ]),
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
            const options: Options = {
              level: config.level,
              // Lines carry plain `req`/`res` objects, not the request and response.
              wrapSerializers: false,
              redact: { paths: [...REDACT_PATHS, ...config.redact], censor: '[REDACTED]' },
              hooks: { streamWrite: (line) => activeLogging()?.scrubber.scrub(line) ?? line },
            };
            // nestjs-pino builds the root logger from these; its pino-http middleware is
            // mounted on no route: RequestLoggerMiddleware does that job (see bootstrap.ts).
            return { pinoHttp: [options, activeSink], forRoutes: [] };
          },
        }),
      ],
      providers: [loggingConfig.provider(), AuditLog, BootAudit, RequestLoggerMiddleware],
      exports: [AuditLog, RequestLoggerMiddleware],
    };
  }
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
