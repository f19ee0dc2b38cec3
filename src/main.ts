import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap.js';
import { ConfigurationError } from './configuration/configuration.error.js';
import { loadExtensions } from './extensions/load-extensions.js';
import { gracefulShutdown } from './protocol/graceful-shutdown.js';
import { serverConfig, type ServerConfig } from './protocol/server.config.js';
import { SecretsError } from './secrets/secrets.error.js';

async function main(): Promise<void> {
  const app = await loadExtensions(process.env.EXTENSION_MODULES)
    .then((imports) => createApp({ imports }))
    .catch((error: unknown) => exitOnBootFailure(error, false));
  const { host, port, shutdownTimeoutMs } = app.get<ServerConfig>(serverConfig.KEY);
  const logger = app.get(Logger);
  const stop = gracefulShutdown(app, shutdownTimeoutMs, logger);
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
  // Nest has logged a failure here (the port is taken, an init hook threw) through pino.
  await app.listen(port, host).catch((error: unknown) => exitOnBootFailure(error, true));
  const bound = app.getHttpServer().address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  logger.log(`listening on http://${shown}:${bound.port}`, 'Bootstrap');
}

/**
 * Problems an operator must fix (config, secrets) print as their list, one line each, without
 * a stack; anything else with its stack, unless it was logged already.
 */
function exitOnBootFailure(error: unknown, logged: boolean): never {
  if (error instanceof ConfigurationError || error instanceof SecretsError) {
    process.stderr.write(`${error.message}\n`);
  } else if (!logged) {
    process.stderr.write(
      `Boot failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
}

void main();
