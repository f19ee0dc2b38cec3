import { describe, expect, it, jest } from '@jest/globals';
import { isRetryableStatus, retryDelayMs, withRetries } from './retry.js';

describe('retry', () => {
  it('backs off from 0.5 s doubling to 8 s, minus at most 25 % jitter', () => {
    for (const [retry, base] of [
      [0, 500],
      [1, 1000],
      [3, 4000],
      [6, 8000],
    ] as const) {
      const delay = retryDelayMs(retry);
      expect(delay).toBeLessThanOrEqual(base);
      expect(delay).toBeGreaterThanOrEqual(base * 0.75);
    }
  });

  it("honours the upstream's retry-after (seconds or a date) up to 10 s", () => {
    expect(retryDelayMs(0, '3')).toBe(3000);
    expect(retryDelayMs(0, '0')).toBe(0);
    expect(retryDelayMs(0, new Date(10_000).toUTCString(), 8_000)).toBe(2000);
  });

  it('passes a longer retry-after on to the client instead of holding it', async () => {
    expect(retryDelayMs(0, '120')).toBeUndefined();
    const attempt = jest.fn(async () => {
      throw new Error('rate limited');
    });
    const started = Date.now();
    await expect(
      withRetries(
        attempt,
        () => ({ retry: true, retryAfter: '30' }),
        3,
        new AbortController().signal,
      ),
    ).rejects.toThrow('rate limited');
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('retries what the verdict allows, up to maxRetries, then throws the last error', async () => {
    const attempt = jest.fn(async () => {
      throw new Error('nope');
    });
    await expect(
      withRetries(
        attempt,
        () => ({ retry: true, retryAfter: '0' }),
        2,
        new AbortController().signal,
      ),
    ).rejects.toThrow('nope');
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('stops at the first error not worth retrying, and returns a later success', async () => {
    let calls = 0;
    const flaky = async (): Promise<string> => {
      if (++calls < 2) throw new Error('transient');
      return 'ok';
    };
    await expect(
      withRetries(flaky, () => ({ retry: true, retryAfter: '0' }), 3, new AbortController().signal),
    ).resolves.toBe('ok');
    const fatal = jest.fn(async () => {
      throw new Error('fatal');
    });
    await expect(
      withRetries(fatal, () => ({ retry: false }), 3, new AbortController().signal),
    ).rejects.toThrow('fatal');
    expect(fatal).toHaveBeenCalledTimes(1);
  });

  it('does not wait out a backoff once the caller has gone', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = withRetries(
      async () => Promise.reject(new Error('x')),
      () => ({ retry: true, retryAfter: '8' }),
      2,
      controller.signal,
    );
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('retries the statuses the SDKs retry', () => {
    expect([408, 409, 429, 500, 502, 529].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});
