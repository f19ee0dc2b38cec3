/** A counter after an increment: its value and how long its window still lives. */
export interface CounterState {
  value: number;
  /** Milliseconds until the counter expires (and restarts from zero). */
  ttlMs: number;
}

/** Increments of named counters: store key → counter name → whole amount to add. */
export type FieldIncrements = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * The state every replica must agree on (rate-limit windows, usage counters, later
 * sessions and conversations), behind one small interface with per-key expiry. Keys are
 * namespaced by the caller (`rl:…`, `tpm:…`); the driver adds the configured prefix. A key
 * holds either a value (`get`/`set`/`increment`) or named counters (`…Fields`), never both:
 * callers keep the two apart by prefix. Redis has one namespace for both (it refuses an
 * operation of the other kind with a StorageError, and `set`/`delete` replace or remove
 * counters too); memory and SQLite keep values and counters in two namespaces.
 */
export abstract class KeyValueStore {
  abstract get(key: string): Promise<string | undefined>;

  /** Stores `value`, for `ttlMs` milliseconds when given, else until deleted. */
  abstract set(key: string, value: string, ttlMs?: number): Promise<void>;

  abstract delete(key: string): Promise<void>;

  /**
   * Atomically adds `by` to the counter at `key` (0 when absent). A new counter lives
   * `ttlMs`; later increments do not extend it, so it counts over a fixed window.
   * `by = 0` reads the window, starting it if needed.
   */
  abstract increment(key: string, by: number, ttlMs: number): Promise<CounterState>;

  /**
   * Adds each increment to the counter of that name under its key (0 when absent) in one
   * atomic step — no reader sees some increments without the others, and a failure applies
   * none — and makes every key written live `ttlMs` from now: a key written again lives on,
   * one left alone expires with all its counters.
   *
   * `writeId` names the write: sent again with the same id (after a failure), it is applied
   * at most once. Redis remembers ids for an hour, since a command that timed out may still
   * be applied after the client gave up; memory and SQLite apply a write synchronously, all
   * or nothing, so one that failed applied nothing and they need not remember ids.
   */
  abstract incrementFields(
    increments: FieldIncrements,
    ttlMs: number,
    writeId: string,
  ): Promise<void>;

  /** Every counter under `key` by name (empty when the key is absent or expired). */
  abstract getFields(key: string): Promise<Map<string, number>>;
}
