import type { OnApplicationShutdown } from '@nestjs/common';
import { KeyValueStore, type CounterState } from './key-value.store.js';

interface Entry {
  value: string;
  /** Epoch ms; Infinity for no expiry. */
  expiresAt: number;
}

const SWEEP_MS = 60_000;

/** `storage.driver: memory`: state in this process, lost on restart, not shared by replicas. */
export class MemoryStore extends KeyValueStore implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
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

  private evictExpired(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
