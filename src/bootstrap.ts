import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { RequestLoggerMiddleware } from './logging/request-logger.middleware.js';
import { jsonBody } from './protocol/json-body.js';
import { bodyLimitBytes, serverConfig, type ServerConfig } from './protocol/server.config.js';

/** Builds the app as `main.ts` runs it; tests and embedders use the same path. */
export async function createApp(options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    // On a failed boot Nest would print its buffered lines, and the error with its stack,
    // through its console logger (no scrubbing): the caller reports the error instead.
    autoFlushLogs: false,
    bodyParser: false,
    abortOnError: false,
  }).catch((error: unknown) => {
    discardBufferedLogs();
    throw error;
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const server = app.get<ServerConfig>(serverConfig.KEY);
  // First: every response gets its x-request-id and log line, a refused body's included.
  const requestLogger = app.get(RequestLoggerMiddleware);
  app.use(requestLogger.use.bind(requestLogger));
  app.use(jsonBody(bodyLimitBytes(server)));
  app.disable('x-powered-by');
  // ETags hash every JSON body; API responses are never revalidated.
  app.set('etag', false);
  if (server.trustProxy.length) app.set('trust proxy', server.trustProxy);
  return app;
}

/** Drops what Nest buffered during a boot that failed: nothing left to print it through. */
function discardBufferedLogs(): void {
  NestLogger.overrideLogger(false);
  NestLogger.flush();
}
