import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SqliteStore } from './sqlite.store.js';
import { StorageError } from './storage.error.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'sqlite-store-'));

describe('sqlite store', () => {
  it('creates its folder and keeps counters and values across a restart', async () => {
    const path = join(fresh(), 'nested', 'state', 'store.sqlite');
    const first = new SqliteStore({ path, busyTimeoutMs: 1000 });
    await first.increment('tpm:user:alice', 50, 60_000);
    await first.set('kept', 'yes');
    first.onApplicationShutdown();
    expect(existsSync(path)).toBe(true);

    const second = new SqliteStore({ path, busyTimeoutMs: 1000 });
    try {
      const state = await second.increment('tpm:user:alice', 25, 60_000);
      expect(state.value).toBe(75);
      // The window started before the restart goes on; it does not restart.
      expect(state.ttlMs).toBeLessThanOrEqual(60_000);
      expect(await second.get('kept')).toBe('yes');
    } finally {
      second.onApplicationShutdown();
    }
  });

  it('refuses a file that is not a SQLite database', () => {
    const path = join(fresh(), 'store.sqlite');
    writeFileSync(path, 'not a database, just text long enough to have a header'.repeat(20));
    expect(() => new SqliteStore({ path, busyTimeoutMs: 1000 })).toThrow(/not a database/);
  });

  it('shares one counter between two connections to the same file', async () => {
    const path = join(fresh(), 'store.sqlite');
    const one = new SqliteStore({ path, busyTimeoutMs: 1000 });
    const two = new SqliteStore({ path, busyTimeoutMs: 1000 });
    try {
      await one.increment('shared', 1, 60_000);
      expect((await two.increment('shared', 1, 60_000)).value).toBe(2);
      expect((await one.increment('shared', 0, 60_000)).value).toBe(2);
    } finally {
      one.onApplicationShutdown();
      two.onApplicationShutdown();
    }
  });

  it('keeps named counters across a restart, added to by two connections', async () => {
    const path = join(fresh(), 'store.sqlite');
    const one = new SqliteStore({ path, busyTimeoutMs: 1000 });
    const two = new SqliteStore({ path, busyTimeoutMs: 1000 });
    await one.incrementFields(
      'usage:day',
      new Map([
        ['requests', 1],
        ['input', 10],
      ]),
      60_000,
    );
    await two.incrementFields(
      'usage:day',
      new Map([
        ['requests', 1],
        ['output', 4],
      ]),
      60_000,
    );
    one.onApplicationShutdown();
    two.onApplicationShutdown();

    const again = new SqliteStore({ path, busyTimeoutMs: 1000 });
    try {
      expect(await again.getFields('usage:day')).toEqual(
        new Map([
          ['requests', 2],
          ['input', 10],
          ['output', 4],
        ]),
      );
    } finally {
      again.onApplicationShutdown();
    }
  });

  it('fails a statement with a StorageError (the rate limiter then applies onStorageError)', async () => {
    const dir = fresh();
    const store = new SqliteStore({ path: join(dir, 'store.sqlite'), busyTimeoutMs: 1000 });
    store.onApplicationShutdown();
    await expect(store.increment('k', 1, 1000)).rejects.toBeInstanceOf(StorageError);
    await expect(store.get('k')).rejects.toBeInstanceOf(StorageError);
    await expect(store.incrementFields('k', new Map([['a', 1]]), 1000)).rejects.toBeInstanceOf(
      StorageError,
    );
    await expect(store.getFields('k')).rejects.toBeInstanceOf(StorageError);
  });
});
