import type { Limits } from './rate-limit.config.js';

/** How long tokens are counted before the count starts again from zero. */
export type TokenPeriod = 'minute' | 'day' | 'month';

/** Every period, shortest first, with the `Limits` key that sets it and its store key prefix. */
export const TOKEN_PERIODS: ReadonlyArray<{
  period: TokenPeriod;
  limitKey: keyof Pick<Limits, 'tokensPerMinute' | 'tokensPerDay' | 'tokensPerMonth'>;
  prefix: string;
}> = [
  { period: 'minute', limitKey: 'tokensPerMinute', prefix: 'tpm' },
  { period: 'day', limitKey: 'tokensPerDay', prefix: 'tpd' },
  { period: 'month', limitKey: 'tokensPerMonth', prefix: 'tpmon' },
];

/** The window of a period that holds a given instant. */
export interface WindowSpan {
  /** Names the window in its store key: `2025-02-28`, `2025-02`; empty for the minute. */
  id: string;
  /** When a calendar window ends (UTC); undefined for the minute, which starts at first use. */
  endsAt?: Date;
  /** How long the store keeps a counter first written at that instant. */
  ttlMs: number;
}

const MINUTE_MS = 60_000;

/**
 * Calendar counters outlive their window by this much: a replica whose clock lags behind still
 * finds the day's count instead of starting a fresh one. The key names the window, so no one
 * reads the counter into the next window.
 */
export const CALENDAR_MARGIN_MS = 3_600_000;

/**
 * The window of `period` holding `now`. Days and months are calendar UTC windows (what an
 * operator means by a quota); the minute keeps its window from the first call (a fixed window
 * per caller, as before days and months existed).
 */
export function windowAt(period: TokenPeriod, now: Date): WindowSpan {
  if (period === 'minute') return { id: '', ttlMs: MINUTE_MS };
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = period === 'day' ? now.getUTCDate() : 1;
  const start = new Date(Date.UTC(year, month, day));
  // Date.UTC rolls over: the 32nd of January is the 1st of February, month 12 next January.
  const end = period === 'day' ? Date.UTC(year, month, day + 1) : Date.UTC(year, month + 1, 1);
  return {
    id: start.toISOString().slice(0, period === 'day' ? 10 : 7),
    endsAt: new Date(end),
    ttlMs: end - now.getTime() + CALENDAR_MARGIN_MS,
  };
}
