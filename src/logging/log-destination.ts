import type { DestinationStream } from 'pino';

/**
 * Where log lines go: stdout unless an embedder (or a test capturing lines) provides a
 * stream under this token.
 */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

export type LogDestination = DestinationStream | undefined;
