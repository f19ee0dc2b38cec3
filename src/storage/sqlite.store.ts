import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { OnApplicationShutdown } from '@nestjs/common';
import { KeyValueStore, type CounterState, type FieldIncrements } from './key-value.store.js';
import { StorageError, StorageErrorCode } from './storage.error.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER -- epoch ms; NULL: no expiry
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
-- Named counters. A key's expiry is a row of its own: a write touches that row and the
-- counters it adds to, whatever the number of counters under the key.
CREATE TABLE IF NOT EXISTS kv_field_keys (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL -- epoch ms
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_field_keys_expires_at ON kv_field_keys (expires_at);
CREATE TABLE IF NOT EXISTS kv_fields (
  key TEXT NOT NULL,
  field TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (key, field)
) STRICT, WITHOUT ROWID;`;

/**
 * Files written before counters had their own expiry table kept an `expires_at` on every
 * counter (the same for all counters of a key): it moves to `kv_field_keys` and the column
 * goes, so writes no longer touch every counter of a key.
 */
const MIGRATE_FIELD_EXPIRY = `
INSERT OR IGNORE INTO kv_field_keys (key, expires_at)
  SELECT key, MAX(expires_at) FROM kv_fields GROUP BY key;
DROP INDEX IF EXISTS kv_fields_expires_at;
ALTER TABLE kv_fields DROP COLUMN expires_at;`;

/**
 * One statement, so the read-modify-write is atomic without a transaction. In the upsert,
 * bare column names are the existing row's: an expired counter restarts at `by`; a value
 * stored without expiry gets the window (as the Redis driver does).
 */
const INCREMENT = `
INSERT INTO kv (key, value, expires_at) VALUES ($key, $by, $now + $ttl)
ON CONFLICT (key) DO UPDATE SET
  value = CASE WHEN expires_at <= $now THEN $by ELSE CAST(value AS INTEGER) + $by END,
  expires_at = CASE WHEN expires_at IS NULL OR expires_at <= $now THEN $now + $ttl ELSE expires_at END
RETURNING value, expires_at`;

const SWEEP_MS = 60_000;
/** SQLite's name for a database that lives in memory only (used by the tests). */
const MEMORY = ':memory:';

export interface SqliteStoreOptions {
  /** The database file (its folder is created if missing), or `:memory:`. */
  path: string;
  /** How long a statement waits for a lock held by another connection before failing. */
  busyTimeoutMs: number;
}

/**
 * The embedded default: state in one SQLite file through Node's built-in `node:sqlite`
 * (no native dependency), so usage and limits survive a restart. For one host; replicas on
 * several hosts share state through Redis instead. Statements are synchronous, on the event
 * loop: about 35 µs for an increment (a WAL append), 7 µs for a read.
 */
export class SqliteStore extends KeyValueStore implements OnApplicationShutdown {
  private readonly db: DatabaseSync;
  private readonly statements: Record<
    | 'get'
    | 'set'
    | 'delete'
    | 'increment'
    | 'sweep'
    | 'fieldKeyExpiry'
    | 'clearFields'
    | 'touchFieldKey'
    | 'incrementField'
    | 'getFields'
    | 'sweepFields'
    | 'sweepFieldKeys',
    StatementSync
  >;
  private readonly sweep: NodeJS.Timeout;

  constructor(options: SqliteStoreOptions) {
    super();
    // Loaded here, not imported: only a process that uses this driver loads node:sqlite (Node
    // before 24.15 prints an ExperimentalWarning the first time it is loaded).
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    if (options.path !== MEMORY) mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    try {
      // WAL: readers never block the writer; synchronous=NORMAL: no fsync per commit (a power
      // cut may lose the last moments of counts, never corrupt the file). Other processes on
      // this host may open the same file: each statement is atomic, a lock is waited for.
      this.db.exec(
        `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs)};`,
      );
      // One transaction: another process opening the same file waits, then finds it done.
      this.transaction(() => {
        this.db.exec(SCHEMA);
        const columns = this.db.prepare("SELECT name FROM pragma_table_info('kv_fields')").all();
        if (columns.some((column) => column.name === 'expires_at'))
          this.db.exec(MIGRATE_FIELD_EXPIRY);
      });
      this.statements = {
        get: this.db.prepare(
          'SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
        ),
        set: this.db.prepare(
          'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ' +
            'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
        ),
        delete: this.db.prepare('DELETE FROM kv WHERE key = ?'),
        increment: this.db.prepare(INCREMENT),
        sweep: this.db.prepare('DELETE FROM kv WHERE expires_at <= ?'),
        fieldKeyExpiry: this.db.prepare('SELECT expires_at FROM kv_field_keys WHERE key = ?'),
        clearFields: this.db.prepare('DELETE FROM kv_fields WHERE key = ?'),
        touchFieldKey: this.db.prepare(
          'INSERT INTO kv_field_keys (key, expires_at) VALUES (?, ?) ' +
            'ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at',
        ),
        incrementField: this.db.prepare(
          'INSERT INTO kv_fields (key, field, value) VALUES (?, ?, ?) ' +
            'ON CONFLICT (key, field) DO UPDATE SET value = value + excluded.value',
        ),
        getFields: this.db.prepare(
          'SELECT f.field, f.value FROM kv_field_keys k JOIN kv_fields f ON f.key = k.key ' +
            'WHERE k.key = ? AND k.expires_at > ?',
        ),
        sweepFields: this.db.prepare(
          'DELETE FROM kv_fields WHERE key IN (SELECT key FROM kv_field_keys WHERE expires_at <= ?)',
        ),
        sweepFieldKeys: this.db.prepare('DELETE FROM kv_field_keys WHERE expires_at <= ?'),
      };
      this.evictExpired(Date.now());
    } catch (error) {
      this.db.close();
      throw error;
    }
    // Expired rows are ignored on read; the sweep bounds the file for keys never read again.
    this.sweep = setInterval(() => {
      try {
        this.evictExpired(Date.now());
      } catch {
        // A store that fails here fails the next request too, which reports it.
      }
    }, SWEEP_MS).unref();
  }

  async get(key: string): Promise<string | undefined> {
    const row = this.run(() => this.statements.get.get(key, Date.now()));
    return row ? String(row.value) : undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.run(() =>
      this.statements.set.run(key, value, ttlMs === undefined ? null : Date.now() + ttlMs),
    );
  }

  async delete(key: string): Promise<void> {
    this.run(() => this.statements.delete.run(key));
  }

  async increment(key: string, by: number, ttlMs: number): Promise<CounterState> {
    const now = Date.now();
    const row = this.run(() =>
      this.statements.increment.get({ key, by, now, ttl: Math.trunc(ttlMs) }),
    );
    return { value: Number(row?.value), ttlMs: Number(row?.expires_at) - now };
  }

  /**
   * One transaction: the counters of an expired key are dropped first (they restart from
   * zero, as in Redis), then each key's expiry row is moved and its counters added to. A
   * failure rolls it all back before this returns, so `writeId` is not needed (see
   * KeyValueStore).
   */
  async incrementFields(
    increments: FieldIncrements,
    ttlMs: number,
    _writeId: string,
  ): Promise<void> {
    const now = Date.now();
    const expiresAt = now + Math.trunc(ttlMs);
    this.run(() =>
      this.transaction(() => {
        for (const [key, fields] of increments) {
          const row = this.statements.fieldKeyExpiry.get(key);
          if (row && Number(row.expires_at) <= now) this.statements.clearFields.run(key);
          this.statements.touchFieldKey.run(key, expiresAt);
          for (const [field, by] of fields) this.statements.incrementField.run(key, field, by);
        }
      }),
    );
  }

  async getFields(key: string): Promise<Map<string, number>> {
    const rows = this.run(() => this.statements.getFields.all(key, Date.now()));
    return new Map(rows.map((row) => [String(row.field), Number(row.value)]));
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
    if (this.db.isOpen) this.db.close();
  }

  private evictExpired(now: number): void {
    this.statements.sweep.run(now);
    this.transaction(() => {
      this.statements.sweepFields.run(now);
      this.statements.sweepFieldKeys.run(now);
    });
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so another process's writer makes it
   * wait (busy_timeout), never fail midway.
   */
  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private run<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      throw new StorageError(
        StorageErrorCode.UNAVAILABLE,
        `SQLite statement failed: ${(error as Error).message}`,
        null,
        { cause: error },
      );
    }
  }
}
