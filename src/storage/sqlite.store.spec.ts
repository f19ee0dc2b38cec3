import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { FieldIncrements } from './key-value.store.js';
import { SqliteStore } from './sqlite.store.js';
import { StorageError } from './storage.error.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'sqlite-store-'));
const counters = (key: string, fields: Array<[string, number]>): FieldIncrements =>
  new Map([[key, new Map(fields)]]);

/**
 * Counts the rows any connection inserts, updates or deletes in `kv_fields`: triggers stored
 * in the file fire for the store's own connection too.
 */
function countFieldRowChanges(path: string): { read(): number; close(): void } {
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  const db = new DatabaseSync(path);
  db.exec(`
    CREATE TABLE probe (n INTEGER NOT NULL); INSERT INTO probe VALUES (0);
    CREATE TRIGGER probe_insert AFTER INSERT ON kv_fields BEGIN UPDATE probe SET n = n + 1; END;
    CREATE TRIGGER probe_update AFTER UPDATE ON kv_fields BEGIN UPDATE probe SET n = n + 1; END;
    CREATE TRIGGER probe_delete AFTER DELETE ON kv_fields BEGIN UPDATE probe SET n = n + 1; END;`);
  return {
    read: () => Number(db.prepare('SELECT n FROM probe').get()?.n),
    close: () => db.close(),
  };
}

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
      counters('usage:day', [
        ['requests', 1],
        ['input', 10],
      ]),
      60_000,
      'w1',
    );
    await two.incrementFields(
      counters('usage:day', [
        ['requests', 1],
        ['output', 4],
      ]),
      60_000,
      'w2',
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
    await expect(
      store.incrementFields(counters('k', [['a', 1]]), 1000, 'w'),
    ).rejects.toBeInstanceOf(StorageError);
    await expect(store.getFields('k')).rejects.toBeInstanceOf(StorageError);
  });

  it('writes one counter of a key holding 20,000 without touching the others', async () => {
    const path = join(fresh(), 'store.sqlite');
    const store = new SqliteStore({ path, busyTimeoutMs: 1000 });
    const probe = countFieldRowChanges(path);
    try {
      const many = new Map(Array.from({ length: 20_000 }, (_, i) => [`field-${i}`, 1] as const));
      await store.incrementFields(new Map([['usage:big', many]]), 60_000, 'w1');
      const before = probe.read();
      expect(before).toBe(20_000);
      await store.incrementFields(counters('usage:big', [['field-7', 1]]), 60_000, 'w2');
      await store.incrementFields(counters('usage:big', [['new-field', 1]]), 60_000, 'w3');
      // One row per counter written: the key's expiry moved without rewriting its counters.
      expect(probe.read() - before).toBe(2);
      const fields = await store.getFields('usage:big');
      expect(fields.size).toBe(20_001);
      expect(fields.get('field-7')).toBe(2);
    } finally {
      probe.close();
      store.onApplicationShutdown();
    }
  });

  it('drops the counters of an expired key when it is written again', async () => {
    const path = join(fresh(), 'store.sqlite');
    const store = new SqliteStore({ path, busyTimeoutMs: 1000 });
    try {
      await store.incrementFields(counters('k', [['a', 1]]), 1, 'w1');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.incrementFields(counters('k', [['b', 1]]), 60_000, 'w2');
      expect(await store.getFields('k')).toEqual(new Map([['b', 1]]));
    } finally {
      store.onApplicationShutdown();
    }
  });

  it('opens a file whose counters each kept their own expiry, and keeps them', async () => {
    const path = join(fresh(), 'store.sqlite');
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const old = new DatabaseSync(path);
    // The layout of files written before counters had a table of key expiries.
    old.exec(`
      CREATE TABLE kv_fields (
        key TEXT NOT NULL, field TEXT NOT NULL, value INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, PRIMARY KEY (key, field)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX kv_fields_expires_at ON kv_fields (expires_at);`);
    const later = Date.now() + 60_000;
    const insert = old.prepare('INSERT INTO kv_fields VALUES (?, ?, ?, ?)');
    insert.run('usage:live', 'requests', 3, later);
    insert.run('usage:live', 'input', 30, later);
    insert.run('usage:gone', 'requests', 9, Date.now() - 1);
    old.close();

    const store = new SqliteStore({ path, busyTimeoutMs: 1000 });
    try {
      expect(await store.getFields('usage:live')).toEqual(
        new Map([
          ['requests', 3],
          ['input', 30],
        ]),
      );
      expect(await store.getFields('usage:gone')).toEqual(new Map());
      await store.incrementFields(counters('usage:live', [['requests', 1]]), 60_000, 'w');
      expect((await store.getFields('usage:live')).get('requests')).toBe(4);
    } finally {
      store.onApplicationShutdown();
    }
    // Opened again: already migrated, nothing to do.
    const again = new SqliteStore({ path, busyTimeoutMs: 1000 });
    try {
      expect((await again.getFields('usage:live')).get('input')).toBe(30);
    } finally {
      again.onApplicationShutdown();
    }
  });
});
