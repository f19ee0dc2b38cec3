import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CALENDAR_MARGIN_MS, windowAt } from './token-window.js';

const at = (iso: string) => new Date(iso);

describe('windowAt', () => {
  // Far from UTC (+14 h), so that local-time arithmetic could not pass for UTC.
  const zone = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'Pacific/Kiritimati';
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('puts the last millisecond of a UTC day in that day, and midnight in the next', () => {
    const last = windowAt('day', at('2025-03-14T23:59:59.999Z'));
    expect(last.id).toBe('2025-03-14');
    expect(last.endsAt).toEqual(at('2025-03-15T00:00:00.000Z'));
    expect(last.ttlMs).toBe(1 + CALENDAR_MARGIN_MS);

    const next = windowAt('day', at('2025-03-15T00:00:00.000Z'));
    expect(next.id).toBe('2025-03-15');
    expect(next.endsAt).toEqual(at('2025-03-16T00:00:00.000Z'));
    expect(next.ttlMs).toBe(86_400_000 + CALENDAR_MARGIN_MS);
  });

  it('counts days in UTC whatever the local offset of the instant given', () => {
    expect(windowAt('day', at('2025-03-14T23:30:00-05:00')).id).toBe('2025-03-15');
  });

  it('ends February on the 28th, or the 29th in a leap year', () => {
    expect(windowAt('day', at('2025-02-28T12:00:00Z')).endsAt).toEqual(at('2025-03-01T00:00:00Z'));
    expect(windowAt('day', at('2024-02-28T12:00:00Z')).endsAt).toEqual(at('2024-02-29T00:00:00Z'));
    const february = windowAt('month', at('2024-02-29T23:59:59.999Z'));
    expect(february.id).toBe('2024-02');
    expect(february.endsAt).toEqual(at('2024-03-01T00:00:00Z'));
    expect(windowAt('month', at('2025-02-01T00:00:00Z')).ttlMs).toBe(
      28 * 86_400_000 + CALENDAR_MARGIN_MS,
    );
  });

  it('ends December (its last day and month) in the next January', () => {
    const day = windowAt('day', at('2025-12-31T23:59:59.999Z'));
    expect(day).toMatchObject({ id: '2025-12-31', endsAt: at('2026-01-01T00:00:00Z') });
    const month = windowAt('month', at('2025-12-31T23:59:59.999Z'));
    expect(month).toMatchObject({ id: '2025-12', endsAt: at('2026-01-01T00:00:00Z') });
    expect(windowAt('month', at('2026-01-01T00:00:00Z')).id).toBe('2026-01');
  });

  it('ends 30- and 31-day months on their last day', () => {
    expect(windowAt('month', at('2025-04-30T23:59:59.999Z')).endsAt).toEqual(
      at('2025-05-01T00:00:00Z'),
    );
    expect(windowAt('month', at('2025-01-31T23:59:59.999Z')).endsAt).toEqual(
      at('2025-02-01T00:00:00Z'),
    );
  });

  it('keeps the minute a window from first use, named by no date', () => {
    expect(windowAt('minute', at('2025-12-31T23:59:59.999Z'))).toEqual({ id: '', ttlMs: 60_000 });
  });
});
