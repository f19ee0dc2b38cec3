import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { RequestLoggerMiddleware } from './logging/request-logger.middleware.js';
import { serverConfig, type ServerConfig } from './protocol/server.config.js';

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
  const limit = sizeInBytes(server.bodyLimit);
  // First: every response gets its x-request-id and log line, a refused body's included.
  const requestLogger = app.get(RequestLoggerMiddleware);
  app.use(requestLogger.use.bind(requestLogger));
  app.use(refuseDeclaredOversize(limit));
  app.useBodyParser('json', { limit });
  app.disable('x-powered-by');
  // ETags hash every JSON body; API responses are never revalidated.
  app.set('etag', false);
  if (server.trustProxy.length) app.set('trust proxy', server.trustProxy);
  return app;
}

/**
 * body-parser refuses a declared `Content-Length` over the limit at once, but reads the
 * whole body before it answers: a client announcing 1 GB waited for its own upload, forever
 * if it sent nothing. It is answered at once here, and the connection is not reused.
 */
function refuseDeclaredOversize(limit: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!(Number(req.headers['content-length']) > limit)) return next();
    res.setHeader('Connection', 'close');
    // body-parser's own error (an `http-errors` 413), which the error mapper phrases.
    const error = Object.assign(new Error('request entity too large'), {
      status: 413,
      statusCode: 413,
      expose: true,
      type: 'entity.too.large',
      limit,
    });
    next(error);
  };
}

const UNITS: Record<string, number> = { b: 1, kb: 1 << 10, mb: 1 << 20, gb: 1 << 30 };

/** `server.bodyLimit` (`10mb`, `512kb`, validated at boot) in bytes, as body-parser reads it. */
function sizeInBytes(size: string): number {
  const [, amount, unit] = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(size)!;
  return Math.floor(Number(amount) * UNITS[unit.toLowerCase()]);
}

/** Drops what Nest buffered during a boot that failed: nothing left to print it through. */
function discardBufferedLogs(): void {
  NestLogger.overrideLogger(false);
  NestLogger.flush();
}
