import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { serverConfig, type ServerConfig } from './protocol/server.config.js';

/** Builds the app as `main.ts` runs it; tests and embedders use the same path. */
export async function createApp(options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const server = app.get<ServerConfig>(serverConfig.KEY);
  app.useBodyParser('json', { limit: server.bodyLimit });
  app.disable('x-powered-by');
  return app;
}
