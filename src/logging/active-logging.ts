import { pino, type DestinationStream } from 'pino';
import type { SecretScrubber } from './secret-scrubber.js';

/** What differs between two apps that log through the one pino instance of the process. */
export interface ActiveLogging {
  scrubber: SecretScrubber;
  destination: DestinationStream;
  logContent: boolean;
}

let active: ActiveLogging | undefined;
let stdout: DestinationStream | undefined;

/**
 * nestjs-pino builds ONE pino-http instance per process, from the options of the first app
 * that asks, and every later app (tests boot many; embedders may) logs through it. So the
 * options we give it only point here, and each app makes its own destination, scrubber and
 * settings the active ones as its logger is built. Apps alive at the same time share the
 * latest app's.
 */
export function activateLogging(next: ActiveLogging): void {
  active = next;
}

export function activeLogging(): ActiveLogging | undefined {
  return active;
}

/**
 * Standard output, opened once per process. Asynchronous: a request never waits for a
 * write syscall, lines that pile up during one write go out together, and pino flushes
 * what is left when the process exits.
 */
export function stdoutDestination(): DestinationStream {
  return (stdout ??= pino.destination({ dest: 1, sync: false }));
}

/** The stream handed to pino: writes each (already scrubbed) line to the active app's destination. */
export const activeSink: DestinationStream = {
  write(line: string): void {
    (active?.destination ?? stdoutDestination()).write(line);
  },
};
