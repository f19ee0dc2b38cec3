import { once } from 'node:events';
import type { Response } from 'express';

/** An open `text/event-stream` response that SSE writers put their events on. */
export interface SseSink {
  /** Queues `text`; resolves at once, or once the client has drained what it was sent. */
  write(text: string): Promise<void>;
  /** Sends what is queued (unless the client went away) and ends the response. */
  end(): void;
}

/**
 * Starts the event stream. Events produced in the same tick (one upstream read often holds
 * several) leave as one write — one syscall, one HTTP chunk — at the end of that tick: never
 * held longer. A client that reads slowly makes the next write wait (backpressure).
 */
export function openSse(res: Response, signal: AbortSignal): SseSink {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  let pending = '';
  let draining: Promise<unknown> | undefined;
  const flush = (): void => {
    if (!pending || res.writableEnded) return;
    const text = pending;
    pending = '';
    if (!res.write(text) && !signal.aborted) {
      draining = Promise.race([once(res, 'drain'), once(res, 'close')]).finally(
        () => (draining = undefined),
      );
    }
  };
  return {
    async write(text: string): Promise<void> {
      if (draining) await draining;
      if (!pending) process.nextTick(flush);
      pending += text;
    },
    end(): void {
      res.end(signal.aborted ? undefined : pending);
      pending = '';
    },
  };
}

export interface StreamStart {
  /** Aborted when the client went away: stop writing, do not report. */
  signal: AbortSignal;
  /** How long the first event may take before the stream opens without it (see `startStream`). */
  heartbeatMs: number;
  onUsage: (usage: undefined) => void;
}

/** An open stream, and its first event: still to come when the stream opened before it. */
export interface StartedStream<T> {
  sink: SseSink;
  first: Promise<IteratorResult<T>>;
}

/**
 * Opens the stream once its first event exists, so that an early failure is still a plain
 * JSON error with its status (and a request with no tokens for `onUsage`, as an unstreamed
 * failure is). A first event that takes longer than `heartbeatMs` — a model that thinks before
 * it answers shows nothing meanwhile — opens the stream without it, with an SSE comment every
 * `heartbeatMs` until it comes, so that proxies and clients with idle timeouts keep the
 * connection; a failure from then on is the stream's own error event.
 */
export function startStream<T>(
  res: Response,
  iterator: AsyncIterator<T>,
  { signal, heartbeatMs, onUsage }: StreamStart,
): Promise<StartedStream<T>> {
  const first = iterator.next();
  return new Promise((resolve, reject) => {
    let opened = false;
    const early = setTimeout(() => {
      opened = true;
      const sink = openSse(res, signal);
      const beat = (): void => {
        if (!signal.aborted) void sink.write(': keep-alive\n\n');
      };
      beat();
      const beats = setInterval(beat, heartbeatMs);
      resolve({ sink, first: first.finally(() => clearInterval(beats)) });
    }, heartbeatMs);
    first.then(
      (next) => {
        if (opened) return;
        clearTimeout(early);
        resolve({ sink: openSse(res, signal), first: Promise.resolve(next) });
      },
      (error: unknown) => {
        if (opened) return;
        clearTimeout(early);
        onUsage(undefined);
        reject(error as Error);
      },
    );
  });
}
