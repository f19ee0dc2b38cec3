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

/**
 * A stream's first event. Nothing is written before it; a failure before it is still a
 * request (with no tokens) for `onUsage`, as an unstreamed failure is.
 */
export async function firstEvent<T>(
  iterator: AsyncIterator<T>,
  onUsage: (usage: undefined) => void,
): Promise<IteratorResult<T>> {
  try {
    return await iterator.next();
  } catch (error) {
    onUsage(undefined);
    throw error;
  }
}
