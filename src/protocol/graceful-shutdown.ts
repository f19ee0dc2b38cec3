import type { Server } from 'node:http';
import type { INestApplication, LoggerService } from '@nestjs/common';

/**
 * Returns the shutdown procedure (main.ts runs it on SIGTERM/SIGINT): stop accepting
 * connections, let running requests (streams included) finish for up to `timeoutMs`, then
 * cut what remains and close the app.
 */
export function gracefulShutdown(
  app: INestApplication,
  timeoutMs: number,
  logger: LoggerService,
): (signal: NodeJS.Signals) => Promise<void> {
  const server = app.getHttpServer() as Server;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down, ${inFlight} request(s) in flight`, 'Shutdown');
    server.close();
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
      if (inFlight > 0)
        logger.warn(
          `cutting ${inFlight} request(s) still running after ${timeoutMs} ms`,
          'Shutdown',
        );
    }
    server.closeAllConnections();
    await app.close();
    process.exitCode = 0;
  };
  return stop;
}
