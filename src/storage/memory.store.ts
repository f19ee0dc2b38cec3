import type { OnApplicationShutdown } from '@nestjs/common';
import { KeyValueStore, type CounterState, type FieldIncrements } from './key-value.store.js';

interface Entry {
  value: string;
  /** Epoch ms; Infinity for no expiry. */
  expiresAt: number;
}

interface Counters {
  fields: Map<string, number>;
  /** Epoch ms. */
  expiresAt: number;
}

const SWEEP_MS = 60_000;

/** `storage.driver: memory`: state in this process, lost on restart, not shared by replicas. */
export class MemoryStore extends KeyValueStore implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly counters = new Map<string, Counters>();
  // Expired entries are also dropped on read; the sweep bounds memory for keys never read again.
  private readonly sweep = setInterval(() => this.evictExpired(), SWEEP_MS).unref();

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, {
      value,
      expiresAt: ttlMs === undefined ? Infinity : Date.now() + ttlMs,
    });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, by: number, ttlMs: number): Promise<CounterState> {
    const now = Date.now();
    const entry = this.live(key, now);
    if (!entry) {
      this.entries.set(key, { value: String(by), expiresAt: now + ttlMs });
      return { value: by, ttlMs };
    }
    const value = Number(entry.value) + by;
    entry.value = String(value);
    // A value stored without expiry gets the window, as in Redis and SQLite.
    if (entry.expiresAt === Infinity) entry.expiresAt = now + ttlMs;
    return { value, ttlMs: entry.expiresAt - now };
  }

  /** Synchronous, so never half applied: `writeId` is not needed (see KeyValueStore). */
  async incrementFields(
    increments: FieldIncrements,
    ttlMs: number,
    _writeId: string,
  ): Promise<void> {
    const now = Date.now();
    for (const [key, fields] of increments) {
      let counters = this.liveCounters(key, now);
      if (!counters) {
        counters = { fields: new Map(), expiresAt: 0 };
        this.counters.set(key, counters);
      }
      for (const [field, by] of fields)
        counters.fields.set(field, (counters.fields.get(field) ?? 0) + by);
      counters.expiresAt = now + ttlMs;
    }
  }

  async getFields(key: string): Promise<Map<string, number>> {
    return new Map(this.liveCounters(key)?.fields);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
  }

  private live(key: string, now = Date.now()): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private liveCounters(key: string, now = Date.now()): Counters | undefined {
    const counters = this.counters.get(key);
    if (counters && counters.expiresAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return counters;
  }

  private evictExpired(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, counters] of this.counters)
      if (counters.expiresAt <= now) this.counters.delete(key);
  }
}
