import { setTimeout as sleep } from 'node:timers/promises';

const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/**
 * A gateway should not hold its client longer than this on an upstream's say-so: when the
 * upstream asks for a longer wait, the client gets the 429/503 with that `retry-after` at
 * once and decides for itself.
 */
const MAX_RETRY_AFTER_MS = 10_000;

/** What one failed attempt says about retrying. */
export interface RetryVerdict {
  retry: boolean;
  /** The upstream's `retry-after`, when it sent one. */
  retryAfter?: string;
}

/**
 * Runs `attempt` until it succeeds, fails in a way not worth retrying, or `maxRetries`
 * retries are spent — the backoff the provider SDKs use (0.5 s doubling to 8 s, minus up to
 * 25 % jitter, or the upstream's `retry-after`), except that a `retry-after` over 10 s is
 * passed on to the client instead of waited out. Callers only ever retry before the first
 * byte of an answer reached them.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  verdict: (error: unknown) => RetryVerdict,
  maxRetries: number,
  signal: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const { retry: again, retryAfter } = verdict(error);
      if (!again || retry >= maxRetries || signal.aborted) throw error;
      const delay = retryDelayMs(retry, retryAfter);
      if (delay === undefined) throw error;
      await sleep(delay, undefined, { signal });
    }
  }
}

/** The wait before retry number `retry`; undefined when the upstream asks for too long a wait. */
export function retryDelayMs(
  retry: number,
  retryAfter?: string,
  now = Date.now(),
): number | undefined {
  const after = retryAfterMs(retryAfter, now);
  if (after !== undefined && after > MAX_RETRY_AFTER_MS) return undefined;
  if (after !== undefined && after >= 0) return after;
  const base = Math.min(INITIAL_DELAY_MS * 2 ** retry, MAX_DELAY_MS);
  return base * (1 - Math.random() * 0.25);
}

function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date - now;
}

/** The statuses worth another attempt, as the provider SDKs decide. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
