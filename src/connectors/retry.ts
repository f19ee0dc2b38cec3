import { setTimeout as sleep } from 'node:timers/promises';

const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A `retry-after` longer than this is ignored in favour of the default backoff (as the SDKs do). */
const MAX_RETRY_AFTER_MS = 60_000;

/** What one failed attempt says about retrying. */
export interface RetryVerdict {
  retry: boolean;
  /** The upstream's `retry-after`, when it sent one. */
  retryAfter?: string;
}

/**
 * Runs `attempt` until it succeeds, fails in a way not worth retrying, or `maxRetries`
 * retries are spent — the same backoff the provider SDKs use (0.5 s doubling to 8 s, minus
 * up to 25 % jitter, or the upstream's `retry-after` when under a minute). Callers only ever
 * retry before the first byte of an answer reached them.
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
      await sleep(retryDelayMs(retry, retryAfter), undefined, { signal });
    }
  }
}

export function retryDelayMs(retry: number, retryAfter?: string, now = Date.now()): number {
  const after = retryAfterMs(retryAfter, now);
  if (after !== undefined && after >= 0 && after < MAX_RETRY_AFTER_MS) return after;
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
