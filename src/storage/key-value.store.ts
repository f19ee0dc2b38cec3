/** A counter after an increment: its value and how long its window still lives. */
export interface CounterState {
  value: number;
  /** Milliseconds until the counter expires (and restarts from zero). */
  ttlMs: number;
}

/**
 * The state every replica must agree on (rate-limit windows, usage counters, later
 * sessions and conversations), behind one small interface with per-key expiry. Keys are
 * namespaced by the caller (`rl:…`, `tpm:…`); the driver adds the configured prefix. A key
 * holds either a value (`get`/`set`/`increment`) or named counters (`…Fields`), never both.
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
   * Adds each increment (a whole number) to the counter of that name under `key` (0 when
   * absent) in one atomic step — no reader sees some increments without the others — and
   * makes the key live `ttlMs` from now: a key written again lives on, one left alone
   * expires with all its counters.
   */
  abstract incrementFields(
    key: string,
    increments: ReadonlyMap<string, number>,
    ttlMs: number,
  ): Promise<void>;

  /** Every counter under `key` by name (empty when the key is absent or expired). */
  abstract getFields(key: string): Promise<Map<string, number>>;
}
