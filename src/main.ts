import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap.js';
import { ConfigurationError } from './configuration/configuration.error.js';
import { gracefulShutdown } from './protocol/graceful-shutdown.js';
import { serverConfig, type ServerConfig } from './protocol/server.config.js';
import { SecretsError } from './secrets/secrets.error.js';

async function main(): Promise<void> {
  const app = await createApp().catch((error: unknown) => {
    // Boot problems an operator must fix: say what, without a stack trace.
    if (error instanceof ConfigurationError || error instanceof SecretsError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  });
  const { host, port, shutdownTimeoutMs } = app.get<ServerConfig>(serverConfig.KEY);
  const logger = app.get(Logger);
  const stop = gracefulShutdown(app, shutdownTimeoutMs, logger);
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
  await app.listen(port, host);
  logger.log(`listening on http://${host}:${port}`, 'Bootstrap');
}

void main();
