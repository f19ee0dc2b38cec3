import type { AddressInfo } from 'node:net';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import OpenAI from 'openai';
import type { ConfigTree } from '../../src/configuration/config-layers.js';
import { createApp } from '../../src/bootstrap.js';
import { LogCapture } from './log-capture.js';

export interface TestApp {
  app: NestExpressApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The official SDK pointed at the app. */
  client: OpenAI;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The `override` layer: merged over config/default.yaml and config/test.yaml. */
  config?: ConfigTree;
  /** The app's whole environment (never `process.env`); `NODE_ENV` is `test` unless set here. */
  env?: NodeJS.ProcessEnv;
  imports?: ModuleMetadata['imports'];
  apiKey?: string;
}

/** Boots the real app on a loopback port, logging into memory. */
export async function startApp(options: TestAppOptions = {}): Promise<TestApp> {
  const logs = new LogCapture();
  const config: ConfigTree = {
    ...options.config,
    server: { host: '127.0.0.1', port: 0, ...(options.config?.server as object) },
  };
  const app = await createApp({
    config: { override: config, env: { NODE_ENV: 'test', ...options.env } },
    logDestination: logs,
    imports: options.imports,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const client = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: options.apiKey ?? 'unused',
    maxRetries: 0,
  });
  return { app, url, client, logs, close: () => app.close() };
}
